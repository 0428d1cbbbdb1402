package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.PeerCounts;
import io.p2p4j.Switch;
import io.p2p4j.pex.AddrBook;
import io.p2p4j.pex.PexConfig;
import io.p2p4j.pex.PexReactor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * PEX convergence (performance.md S7): N nodes on loopback that know only a seed, each aiming for
 * M outbound peers; the time until every node has M outbound peers and at least one inbound, and
 * the PEX messages that took. p2p4j (all nodes in this process, sharing two event loops) and,
 * when Go is installed, CometBFT v0.38.25 (one go-peer process per node) with the same periods.
 * Run: {@code bench/run pex [--nodes 64 --outbound 10 --ensure-peers-ms 1000 --trials 3 --limit 300]}.
 */
public final class PexConvergenceBenchmark {
    private static final String NETWORK = "pex-bench";

    /**
     * One trial: seconds until every node had its outbound peers, and until every node also had
     * an inbound one (NaN if not within the limit); PEX messages per node; PEX bans.
     */
    record Trial(double outboundSeconds, double seconds, double messagesPerNode, long bans) {}

    /** Tracks when the network reaches the two marks. */
    private static final class Progress {
        final long t0 = System.nanoTime();
        final long limitSeconds;
        double outboundSeconds = Double.NaN;
        double seconds = Double.NaN;

        Progress(long limitSeconds) {
            this.limitSeconds = limitSeconds;
        }

        /** Notes a look at every node's counts; true once both marks are reached. */
        boolean update(List<PeerCounts> counts, int outbound) {
            double now = (System.nanoTime() - t0) / 1e9;
            if (Double.isNaN(outboundSeconds) && counts.stream().allMatch(c -> c.outbound() >= outbound)) {
                outboundSeconds = now;
            }
            if (Double.isNaN(seconds) && counts.stream().allMatch(c -> c.outbound() >= outbound && c.inbound() >= 1)) {
                seconds = now;
            }
            return !Double.isNaN(seconds);
        }

        boolean timeLeft() {
            return System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(limitSeconds);
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int nodes = MConnectionBenchmark.intArg(args, "--nodes", 64);
        int outbound = MConnectionBenchmark.intArg(args, "--outbound", 10);
        Duration ensure = Duration.ofMillis(MConnectionBenchmark.intArg(args, "--ensure-peers-ms", 1000));
        int trials = MConnectionBenchmark.intArg(args, "--trials", 3);
        long limitSeconds = MConnectionBenchmark.intArg(args, "--limit", 300);
        System.out.printf("PEX convergence: JDK %s, %d cores, %d nodes + 1 seed, %d outbound each, ensure-peers every %d ms,"
                + " %d trials%n", Runtime.version(), Runtime.getRuntime().availableProcessors(), nodes, outbound,
                ensure.toMillis(), trials);
        Path work = Files.createTempDirectory("p2p4j-pex-bench");
        Path goPeer = InteropBenchmark.buildGoPeerOrSay("CometBFT run skipped");
        List<Trial> java = new ArrayList<>();
        List<Trial> go = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            java.add(javaTrial(work, nodes, outbound, ensure, limitSeconds));
            System.out.printf("  trial %d p2p4j: %s%n", t + 1, java.get(t));
            if (goPeer != null) {
                go.add(goTrial(goPeer, work, nodes, outbound, ensure, limitSeconds));
                System.out.printf("  trial %d CometBFT: %s%n", t + 1, go.get(t));
            }
        }
        System.out.printf("%n%-20s %28s %28s %14s %10s%n", "nodes", "s to all outbound [min-max]",
                "s to all + 1 inbound [min-max]", "PEX msgs/node", "PEX bans");
        report("p2p4j", java);
        if (!go.isEmpty()) {
            report("CometBFT v0.38.25", go);
        }
        System.out.println("\n(a trial that does not get there within " + limitSeconds + " s counts as NaN; a node"
                + " that joined last may get its first inbound peer only from the seed's crawl, every 30 s)");
    }

    private static void report(String label, List<Trial> trials) {
        double[] outboundSeconds = trials.stream().mapToDouble(Trial::outboundSeconds).toArray();
        double[] seconds = trials.stream().mapToDouble(Trial::seconds).toArray();
        double[] messages = trials.stream().mapToDouble(Trial::messagesPerNode).toArray();
        long bans = trials.stream().mapToLong(Trial::bans).sum();
        System.out.printf("%-20s %28s %28s %14s %10d%n", label, MConnectionBenchmark.summary(outboundSeconds, "%.1f"),
                MConnectionBenchmark.summary(seconds, "%.1f"),
                messages[0] < 0 ? "n/a" : String.format("%.0f", MConnectionBenchmark.median(messages)), bans);
    }

    /**
     * One trial with p2p4j nodes in this process; gives up on a mark not reached within
     * {@code limitSeconds}.
     */
    static Trial javaTrial(Path work, int n, int outbound, Duration ensure, long limitSeconds) throws Exception {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<Switch> all = new ArrayList<>();
        Path dir = Files.createTempDirectory(work, "java");
        try {
            // every node is on 127.0.0.1: no cap per address
            P2pConfig p2p = P2pConfig.defaults().withListen("tcp://127.0.0.1:0").withAllowDuplicateIp(true)
                    .withMaxOutboundPeers(outbound).withMaxPendingHandshakes(64, 64);
            PexConfig pex = PexConfig.defaults().withEnsurePeersPeriod(ensure).withMaxOutboundPeers(outbound);
            Switch seed = node(dir, "seed", p2p, pex.withSeedMode(true), loops);
            all.add(seed);
            Progress progress = new Progress(limitSeconds);
            List<Switch> nodes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Switch node = node(dir, "node" + i, p2p, pex.withSeeds(List.of(seed.listenAddress())), loops);
                nodes.add(node);
                all.add(node);
            }
            while (progress.timeLeft() && !progress.update(nodes.stream().map(Switch::numPeers).toList(), outbound)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            long messages = 0;
            long bans = 0;
            for (Switch node : all) {
                PexReactor.Stats stats = ((PexReactor) node.reactor("pex")).stats();
                messages += stats.requestsSent() + stats.addrsSent(); // each message once, by its sender
                bans += stats.peersBanned();
            }
            return new Trial(progress.outboundSeconds, progress.seconds, (double) messages / n, bans);
        } finally {
            all.parallelStream().forEach(Switch::close);
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Switch node(Path dir, String name, P2pConfig p2p, PexConfig pex, EventLoopGroup loops) {
        AddrBook book = AddrBook.open(dir.resolve(name + "-addrbook.json"), AddrBook.Routability.ANY);
        Switch sw = Switch.builder(NodeKey.generate(), p2p).network(NETWORK).moniker(name)
                .reactor("pex", new PexReactor(book, pex)).eventLoops(loops).build();
        sw.start();
        return sw;
    }

    /** One trial with one go-peer process per node; gives up on a mark not reached within {@code limitSeconds}. */
    static Trial goTrial(Path binary, Path work, int n, int outbound, Duration ensure, long limitSeconds)
            throws Exception {
        List<ChildProcess> all = new ArrayList<>();
        try {
            String period = ensure.toMillis() + "ms";
            List<String> common = List.of("-pex=true", "-echo=false", "-network", NETWORK, "-log-level", "info",
                    "-max-outbound", String.valueOf(outbound), "-ensure-peers-period", period);
            ChildProcess seed = goNode(binary, work, common, "-seed-mode=true", "-moniker", "seed");
            all.add(seed);
            String seedAddress = seed.waitFor("READY", 60).replaceFirst(".*addr=", "");
            Progress progress = new Progress(limitSeconds);
            List<ChildProcess> nodes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ChildProcess node = goNode(binary, work, common, "-seeds", seedAddress, "-moniker", "node" + i);
                nodes.add(node);
                all.add(node);
            }
            for (ChildProcess node : nodes) {
                node.waitFor("READY", 60);
            }
            while (progress.timeLeft()) {
                List<PeerCounts> counts = new ArrayList<>();
                for (ChildProcess node : nodes) {
                    String peers = node.ask("peers", "PEERS", 30);
                    counts.add(new PeerCounts(count(peers, "outbound=true"), count(peers, "outbound=false"), 0));
                }
                if (progress.update(counts, outbound)) {
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            return new Trial(progress.outboundSeconds, progress.seconds, -1, 0); // go-peer does not count PEX messages
        } finally {
            all.parallelStream().forEach(p -> {
                try {
                    p.close();
                } catch (Exception ignored) {
                    // best effort
                }
            });
        }
    }

    private static ChildProcess goNode(Path binary, Path work, List<String> common, String... flags) throws Exception {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(flags));
        return ChildProcess.goPeer(binary, work, all.toArray(String[]::new));
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            count++;
        }
        return count;
    }

    private PexConvergenceBenchmark() {}
}
