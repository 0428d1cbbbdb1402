package io.p2p4j.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A testnet manifest (TOML), for example:
 *
 * <pre>
 * name = "small"
 * nodes = 8                 # processes, one network namespace each
 * seeds = 1                 # the first nodes run as seeds (PEX seed mode)
 * cometbft_nodes = 2        # how many are go-peer (CometBFT v0.38's p2p), spread evenly; the rest are p2p4j
 * outbound_peers = 3        # max_num_outbound_peers, and what "has its outbound peers" means
 * regions = ["eu", "us"]    # node i is in regions[i % regions]
 * intra_region_ms = 2       # one-way latency inside a region
 * jitter_ms = 2             # uniform, either way
 * loss = 0.01               # per TCP segment: a lost one arrives a retransmission timeout later
 * settle_timeout_s = 120    # the clock of the perturbations and messages starts when every node has its
 *                           # outbound peers and the network is connected, or after this long
 * duration_s = 40           # from then
 * publish_every_ms = 500    # a gossip message from a rotating node
 * ensure_peers_period_s = 5
 * [latency_ms]              # one-way, between regions
 * "eu-us" = 40
 * [[perturbation]]
 * at_s = 12
 * op = "kill"               # kill (-9, restarted after for_s), pause (SIGSTOP, SIGCONT after for_s),
 *                           # disconnect (the node's link), partition (regions listed against the rest)
 * node = 5                  # or: regions = ["eu"] for a partition
 * for_s = 3
 * </pre>
 */
record TestnetManifest(String name, int nodes, int seeds, int outboundPeers, List<String> regions,
        Map<String, Double> latencyMs, double jitterMs, double loss, double durationS, long publishEveryMs,
        long ensurePeersMs, double settleTimeoutS, TreeSet<Integer> cometbft, List<Perturbation> perturbations) {

    record Perturbation(double atS, String op, int node, List<String> regions, double forS) {
        String describe() {
            return switch (op) {
                case "partition" -> "partition " + String.join("+", regions) + " from the rest";
                case "kill" -> "kill -9 node " + node + ", restart";
                case "pause" -> "SIGSTOP node " + node + ", SIGCONT";
                default -> op + " node " + node;
            };
        }
    }

    static TestnetManifest load(Path file) throws IOException {
        JsonNode t = new TomlMapper().readTree(file.toFile());
        int nodes = t.path("nodes").asInt(8);
        List<String> regions = new ArrayList<>();
        t.path("regions").forEach(r -> regions.add(r.asText()));
        if (regions.isEmpty()) {
            regions.add("r0");
        }
        Map<String, Double> latency = new HashMap<>();
        double intra = t.path("intra_region_ms").asDouble(1);
        for (String r : regions) {
            latency.put(r + "-" + r, intra);
        }
        t.path("latency_ms").fields().forEachRemaining(e -> {
            String[] pair = e.getKey().split("-");
            latency.put(pair[0] + "-" + pair[1], e.getValue().asDouble());
            latency.put(pair[1] + "-" + pair[0], e.getValue().asDouble());
        });
        int c = t.path("cometbft_nodes").asInt(0);
        TreeSet<Integer> cometbft = new TreeSet<>();
        for (int k = 0; k < c; k++) {
            cometbft.add(c >= nodes ? k : (int) ((k + 0.5) * nodes / c));
        }
        List<Perturbation> perturbations = new ArrayList<>();
        for (JsonNode p : t.path("perturbation")) {
            List<String> pr = new ArrayList<>();
            p.path("regions").forEach(r -> pr.add(r.asText()));
            String op = p.path("op").asText();
            if (!List.of("kill", "pause", "disconnect", "partition").contains(op)) {
                throw new IOException(file + ": unknown perturbation op \"" + op + "\"");
            }
            perturbations.add(new Perturbation(p.path("at_s").asDouble(), op, p.path("node").asInt(-1), pr,
                    p.path("for_s").asDouble(3)));
        }
        perturbations.sort((a, b) -> Double.compare(a.atS(), b.atS()));
        TestnetManifest m = new TestnetManifest(t.path("name").asText(file.getFileName().toString()), nodes,
                t.path("seeds").asInt(1), t.path("outbound_peers").asInt(10), regions, latency,
                t.path("jitter_ms").asDouble(0), t.path("loss").asDouble(0), t.path("duration_s").asDouble(60),
                t.path("publish_every_ms").asLong(1000), (long) (t.path("ensure_peers_period_s").asDouble(30) * 1000),
                t.path("settle_timeout_s").asDouble(120), cometbft, perturbations);
        if (nodes < 2 || nodes > 250 || m.seeds < 1 || m.seeds >= nodes) {
            throw new IOException(file + ": need 2-250 nodes and at least one seed and one other node");
        }
        for (Perturbation p : perturbations) {
            if (!p.op().equals("partition") && (p.node() < m.seeds || p.node() >= nodes)) {
                throw new IOException(file + ": perturbation node " + p.node() + " must be a non-seed node index");
            }
        }
        return m;
    }

    int region(int node) {
        return node % regions.size();
    }

    boolean isSeed(int node) {
        return node < seeds;
    }

    String kind(int node) {
        return cometbft.contains(node) ? "cometbft" : "p2p4j";
    }

    double latency(int a, int b) {
        return latencyMs.getOrDefault(regions.get(region(a)) + "-" + regions.get(region(b)), 0.0);
    }
}
