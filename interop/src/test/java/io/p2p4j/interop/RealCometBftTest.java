package io.p2p4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The p2p4j node beside the real {@code cometbft} binary ({@link CometBftBinary}), as an
 * operator runs them: block-producing validators with the kvstore app, homes made by
 * {@code cometbft init} and {@code p2p4j init}, the p2p4j command as a process. The tests run at
 * the same time (the minute of staying connected overlaps the others).
 */
@Execution(ExecutionMode.CONCURRENT)
class RealCometBftTest {
    private static final Duration CONNECT = Duration.ofSeconds(45);
    /** Two of CometBFT's 30 s rounds of dialing its seeds, and a margin. */
    private static final Duration SEED_ROUND = Duration.ofSeconds(75);

    @TempDir
    Path dir;

    /** The first build takes minutes: outside the time limit of any one test. */
    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void installCometBft() throws Exception {
        CometBftNode.binary();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void p2p4jOnAnUnchangedCometBftInitHomeJoinsThatNetworkAndStaysConnectedToItsValidatorForAMinute() throws Exception {
        // p2p4j runs on the home exactly as `cometbft init` wrote it; the validator on a copy with a key of its own
        Path home = CometBftNode.init(dir, "p2p4j");
        Path validatorHome = copy(home, dir.resolve("validator"));
        Files.delete(validatorHome.resolve("config/node_key.json"));
        CometBftNode.allowLoopbackPeers(validatorHome);
        try (CometBftNode validator = CometBftNode.start(validatorHome)) {
            await().atMost(CONNECT).until(() -> Files.exists(validatorHome.resolve("config/node_key.json")));
            String validatorId = CometBftNode.nodeId(validatorHome);
            String p2p4jId = CometBftNode.nodeId(home);
            try (P2p4jNode p2p4j = P2p4jNode.start(home, "--p2p.persistent_peers", validator.address())) {
                await().atMost(CONNECT).until(() -> validator.peers().contains(p2p4jId) && p2p4j.peers().contains(validatorId)
                        || !p2p4j.process.isAlive() || !validator.process.isAlive());
                assertThat(p2p4j.peers()).as("p2p4j's log:%n%s%nvalidator's log:%n%s", p2p4j.process.log(), validator.process.log())
                        .containsExactly(validatorId);
                assertThat(p2p4j.process.logged("on network " + CometBftNode.chainId(home))).as(p2p4j.process.log()).isTrue();
                long before = validator.height();
                await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(75))
                        .until(() -> validator.peers().contains(p2p4jId) && p2p4j.peers().contains(validatorId));
                assertThat(validator.height()).as("blocks were made meanwhile").isGreaterThan(before + 5);
                assertThat(p2p4j.process.logged("peer left")).as(p2p4j.process.log()).isFalse();
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theValidatorDialsP2p4j() throws Exception {
        Path validatorHome = CometBftNode.init(dir, "validator");
        CometBftNode.allowLoopbackPeers(validatorHome);
        int prometheus = CometBftNode.enablePrometheus(validatorHome);
        Path home = joining(validatorHome, "p2p4j");
        String p2p4jId = CometBftNode.nodeId(home);
        try (P2p4jNode p2p4j = P2p4jNode.start(home, "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false");
                CometBftNode validator = CometBftNode.start(validatorHome, "--p2p.persistent_peers",
                        p2p4jId + "@127.0.0.1:" + p2p4j.p2pPort)) {
            String validatorId = CometBftNode.nodeId(validatorHome);
            await().atMost(CONNECT).until(() -> validator.peers().contains(p2p4jId) && p2p4j.peers().contains(validatorId)
                    || !p2p4j.process.isAlive() || !validator.process.isAlive());
            assertThat(validator.peers()).as("validator's log:%n%s%np2p4j's log:%n%s", validator.process.log(), p2p4j.process.log())
                    .containsExactly(p2p4jId);
            long height = validator.height();
            await().atMost(CONNECT).until(() -> validator.height() > height + 2);
            assertThat(p2p4j.peers()).containsExactly(validatorId);
            assertSameRpcShapes(validator.rpcPort, p2p4j.statusPort);
            // CometBFT sets pending_send_bytes on a 10 s tick: its series comes a little after the peer;
            // the two ends are scraped one after the other, so a message in flight may come between
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String theirs = scrape(prometheus);
                String ours = scrape(p2p4j.statusPort);
                assertSameP2pMetrics(theirs, ours);
                assertSamePexBytes(theirs, ours, validatorId, p2p4jId);
            });
        }
    }

    /**
     * /net_info, /status and /health of p2p4j have every field CometBFT's RPC gives for what p2p4j
     * has (its node info and peers; not /status's sync_info and validator_info), each a string,
     * number, boolean, object or list where CometBFT's is.
     */
    private static void assertSameRpcShapes(int cometBftRpc, int p2p4jStatus) {
        com.fasterxml.jackson.databind.JsonNode theirNetInfo = LoggedProcess.getJson(cometBftRpc, "/net_info");
        com.fasterxml.jackson.databind.JsonNode ourNetInfo = LoggedProcess.getJson(p2p4jStatus, "/net_info");
        assertThat(shape(ourNetInfo)).as("p2p4j's /net_info%n%s%nCometBFT's%n%s", ourNetInfo, theirNetInfo)
                .containsAll(shape(theirNetInfo));
        com.fasterxml.jackson.databind.JsonNode theirStatus = LoggedProcess.getJson(cometBftRpc, "/status");
        com.fasterxml.jackson.databind.JsonNode ourStatus = LoggedProcess.getJson(p2p4jStatus, "/status");
        assertThat(shape(ourStatus)).as("p2p4j's /status%n%s", ourStatus).containsAll(shape(theirStatus).stream()
                .filter(path -> !path.contains("sync_info") && !path.contains("validator_info")).toList());
        assertThat(shape(LoggedProcess.getJson(p2p4jStatus, "/health"))).isEqualTo(shape(LoggedProcess.getJson(cometBftRpc, "/health")));
    }

    /** Every path of a JSON document with the kind of its value: "result.peers[].is_outbound BOOLEAN". */
    private static java.util.Set<String> shape(com.fasterxml.jackson.databind.JsonNode node) {
        java.util.Set<String> paths = new java.util.TreeSet<>();
        shape(node, "", paths);
        return paths;
    }

    private static void shape(com.fasterxml.jackson.databind.JsonNode node, String path,
            java.util.Set<String> paths) {
        assertThat(node).as("a reply at %s", path).isNotNull();
        paths.add(path + " " + node.getNodeType());
        if (node.isObject()) {
            node.properties().forEach(e -> shape(e.getValue(), path + "." + e.getKey(), paths));
        } else if (node.isArray() && !node.isEmpty()) {
            shape(node.get(0), path + "[]", paths);
        }
    }

    /** The Prometheus text at 127.0.0.1:port/metrics. */
    private static String scrape(int port) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Per series name, the label names, from the Prometheus text format; p2p series only. */
    private static java.util.Map<String, java.util.Set<String>> p2pSeries(String metrics) {
        java.util.Map<String, java.util.Set<String>> series = new java.util.TreeMap<>();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^(cometbft_p2p_\\w+)\\{([^}]*)\\}");
        metrics.lines().map(line::matcher).filter(java.util.regex.Matcher::find).forEach(m -> {
            java.util.Set<String> labels = new java.util.TreeSet<>();
            java.util.regex.Pattern.compile("(\\w+)=\"").matcher(m.group(2)).results().forEach(r -> labels.add(r.group(1)));
            series.merge(m.group(1), labels, (a, b) -> a);
        });
        return series;
    }

    /**
     * One connection seen from each end: every p2p series p2p4j exports is one CometBFT exports,
     * with the same label names, the same chain_id, and channel labels written the same way.
     */
    private static void assertSameP2pMetrics(String cometBft, String p2p4j) {
        java.util.Map<String, java.util.Set<String>> theirs = p2pSeries(cometBft);
        java.util.Map<String, java.util.Set<String>> ours = p2pSeries(p2p4j);
        assertThat(ours).as("p2p4j's p2p series%n%s%nCometBFT's%n%s", p2p4j, cometBft).isNotEmpty();
        assertThat(theirs.keySet()).as(cometBft).containsAll(ours.keySet());
        ours.forEach((name, labels) -> assertThat(labels).as(name).isEqualTo(theirs.get(name)));
        java.util.regex.Pattern chainId = java.util.regex.Pattern.compile("chain_id=\"([^\"]*)\"");
        assertThat(chainId.matcher(p2p4j).results().map(m -> m.group(1)).distinct().toList())
                .isEqualTo(chainId.matcher(cometBft).results().map(m -> m.group(1)).distinct().toList());
        java.util.regex.Pattern channel = java.util.regex.Pattern.compile("chID=\"([^\"]*)\"");
        java.util.Set<String> theirChannels = channel.matcher(cometBft).results().map(m -> m.group(1))
                .collect(java.util.stream.Collectors.toSet());
        assertThat(channel.matcher(p2p4j).results().map(m -> m.group(1))).isNotEmpty().allMatch(theirChannels::contains);
    }

    /**
     * The connection's PEX traffic counted at both ends in the same bytes: what one end counts as
     * sent to the other, per channel and per message type, the other counts as received, byte for
     * byte (PEX is the only channel the two nodes share, so nothing else flows; each node has one
     * peer, so its per-type counts are this connection's). The validator dialed, so it asked for
     * addresses: its p2p_PexRequest and p2p4j's p2p_PexAddrs answer are there.
     */
    private static void assertSamePexBytes(String cometBft, String p2p4j, String cometBftId, String p2p4jId) {
        String why = String.format("p2p4j's metrics%n%s%nCometBFT's%n%s", p2p4j, cometBft);
        double ourSent = value(p2p4j, "cometbft_p2p_peer_send_bytes_total", "chID=\"0x0\"", "peer_id=\"" + cometBftId + "\"");
        double ourReceived = value(p2p4j, "cometbft_p2p_peer_receive_bytes_total", "chID=\"0x0\"", "peer_id=\"" + cometBftId + "\"");
        assertThat(ourSent).as(why).isPositive()
                .isEqualTo(value(cometBft, "cometbft_p2p_peer_receive_bytes_total", "chID=\"0x0\"", "peer_id=\"" + p2p4jId + "\""));
        assertThat(ourReceived).as(why).isPositive()
                .isEqualTo(value(cometBft, "cometbft_p2p_peer_send_bytes_total", "chID=\"0x0\"", "peer_id=\"" + p2p4jId + "\""));
        java.util.Map<String, Double> ourSentByType = byType(p2p4j, "cometbft_p2p_message_send_bytes_total");
        java.util.Map<String, Double> ourReceivedByType = byType(p2p4j, "cometbft_p2p_message_receive_bytes_total");
        assertThat(ourSentByType).as(why).containsKey("p2p_PexAddrs")
                .isEqualTo(byType(cometBft, "cometbft_p2p_message_receive_bytes_total"));
        assertThat(ourReceivedByType).as(why).containsKey("p2p_PexRequest")
                .isEqualTo(byType(cometBft, "cometbft_p2p_message_send_bytes_total"));
        System.out.printf("PEX bytes p2p4j -> CometBFT %.0f %s, CometBFT -> p2p4j %.0f %s%n", ourSent, ourSentByType,
                ourReceived, ourReceivedByType);
        // the same bytes per type as per channel
        assertThat(ourSentByType.values().stream().mapToDouble(Double::doubleValue).sum()).as(why).isEqualTo(ourSent);
        assertThat(ourReceivedByType.values().stream().mapToDouble(Double::doubleValue).sum()).as(why).isEqualTo(ourReceived);
    }

    /** The value of the one series of {@code name} whose labels include each of {@code labels}; 0 if none. */
    private static double value(String metrics, String name, String... labels) {
        java.util.List<Double> values = series(metrics, name).entrySet().stream()
                .filter(e -> java.util.Arrays.stream(labels).allMatch(e.getKey()::contains))
                .map(java.util.Map.Entry::getValue).toList();
        assertThat(values).as("series of %s with %s", name, java.util.Arrays.toString(labels)).hasSizeLessThan(2);
        return values.isEmpty() ? 0 : values.get(0);
    }

    /** Per message_type, the value of the series of {@code name}. */
    private static java.util.Map<String, Double> byType(String metrics, String name) {
        java.util.regex.Pattern type = java.util.regex.Pattern.compile("message_type=\"([^\"]*)\"");
        java.util.Map<String, Double> values = new java.util.TreeMap<>();
        series(metrics, name).forEach((labels, value) -> type.matcher(labels).results()
                .forEach(m -> values.put(m.group(1), value)));
        return values;
    }

    /** The series of {@code name}: their labels as written, and their values. */
    private static java.util.Map<String, Double> series(String metrics, String name) {
        java.util.regex.Pattern line = java.util.regex.Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)");
        java.util.Map<String, Double> series = new java.util.HashMap<>();
        metrics.lines().map(line::matcher).filter(java.util.regex.Matcher::find)
                .forEach(m -> series.put(m.group(1), Double.parseDouble(m.group(2))));
        return series;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoCometBftNodesMeetThroughAP2p4jSeedAndTheSecondSyncsBlocks() throws Exception {
        Path validatorHome = CometBftNode.init(dir, "validator");
        CometBftNode.allowLoopbackPeers(validatorHome);
        Path fullHome = CometBftNode.init(dir, "full");
        Files.copy(validatorHome.resolve("config/genesis.json"), fullHome.resolve("config/genesis.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CometBftNode.allowLoopbackPeers(fullHome);
        Path seedHome = joining(validatorHome, "seed");
        String seed = CometBftNode.nodeId(seedHome) + "@127.0.0.1:";
        try (P2p4jNode p2p4j = P2p4jNode.start(seedHome, "--p2p.seed_mode", "true", "--p2p.allow_duplicate_ip", "true",
                "--p2p.addr_book_strict", "false");
                CometBftNode validator = CometBftNode.start(validatorHome, "--p2p.seeds", seed + p2p4j.p2pPort)) {
            String validatorId = CometBftNode.nodeId(validatorHome);
            // the seed learns the validator's address before the full node asks for addresses
            // CometBFT dials its seeds at start and then every 30 s (ensurePeersPeriod): on a loaded
            // machine the first dial can fail, so give it a second round
            await().atMost(SEED_ROUND).until(() -> p2p4j.process.logged(validatorId) || !p2p4j.process.isAlive());
            await().atMost(CONNECT).until(() -> validator.height() >= 3);
            try (CometBftNode full = CometBftNode.start(fullHome, "--p2p.seeds", seed + p2p4j.p2pPort)) {
                await().atMost(CONNECT).until(() -> full.peers().contains(validatorId) || !full.process.isAlive());
                assertThat(full.peers()).as("full node's log:%n%s%nseed's log:%n%s", full.process.log(), p2p4j.process.log())
                        .contains(validatorId);
                long target = validator.height();
                await().atMost(CONNECT).until(() -> full.height() >= target);
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aWrongChainIdEachWayIsNamedInTheLogOfEachSide() throws Exception {
        Path validatorHome = CometBftNode.init(dir, "validator");
        CometBftNode.allowLoopbackPeers(validatorHome);
        String chainId = CometBftNode.chainId(validatorHome);
        Path dialedHome = dir.resolve("dialed");
        Path dialingHome = dir.resolve("dialing");
        P2p4jNode.run("init", "--home", dialedHome.toString(), "--chain-id", "another-chain");
        P2p4jNode.run("init", "--home", dialingHome.toString(), "--chain-id", "another-chain");
        try (P2p4jNode dialed = P2p4jNode.start(dialedHome, "--p2p.pex", "true");
                CometBftNode validator = CometBftNode.start(validatorHome, "--p2p.persistent_peers",
                        CometBftNode.nodeId(dialedHome) + "@127.0.0.1:" + dialed.p2pPort);
                P2p4jNode dialing = P2p4jNode.start(dialingHome, "--p2p.persistent_peers", validator.address())) {
            // p2p4j dials the validator: both logs say why
            await().atMost(CONNECT).untilAsserted(() -> {
                assertThat(dialing.process.logged("ERROR", "Error dialing peer", "network mismatch", chainId, "another-chain"))
                        .as(dialing.process.log()).isTrue();
                assertThat(validator.process.logged("rejected", "another-chain", chainId)).as(validator.process.log()).isTrue();
            });
            // the validator dials p2p4j: both logs say why
            await().atMost(CONNECT).untilAsserted(() -> {
                assertThat(dialed.process.logged("Refused inbound connection", "network mismatch", chainId, "another-chain"))
                        .as(dialed.process.log()).isTrue();
                assertThat(validator.process.logged("Error reconnecting to peer", "another-chain", chainId)).as(validator.process.log()).isTrue();
            });
        }
    }

    /** A p2p4j home made by {@code p2p4j init} that joins the validator's network: its genesis.json copied in. */
    private Path joining(Path validatorHome, String name) throws Exception {
        Path home = dir.resolve(name);
        P2p4jNode.run("init", "--home", home.toString());
        Files.copy(validatorHome.resolve("config/genesis.json"), home.resolve("config/genesis.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return home;
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }
}
