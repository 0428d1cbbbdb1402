package io.p2p4j.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p2p4j.identity.NodeKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line run in-process: init, bad configuration, two started nodes, stopping. */
class NodeCommandsTest {
    /** Nodes started in this JVM: stopped after each test, also when it failed half-way. */
    private final java.util.List<StartCommand> started = new java.util.concurrent.CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopNodes() {
        started.forEach(command -> command.stop.countDown());
    }

    @TempDir
    Path dir;

    /** Runs a command, capturing what it prints. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void initCreatesTheHomeAndNeverOverwritesTheKey() throws Exception {
        Path home = dir.resolve("home");
        Run first = run("init", "--home", home.toString());
        assertThat(first.code()).isZero();
        assertThat(home.resolve("config/node_key.json")).exists();
        assertThat(home.resolve("config/config.toml")).exists();
        assertThat(home.resolve("data")).isDirectory();
        String key = Files.readString(home.resolve("config/node_key.json"));
        assertThat(run("init", "--home", home.toString()).code()).isZero();
        assertThat(Files.readString(home.resolve("config/node_key.json"))).isEqualTo(key);
        String id = NodeKey.load(home.resolve("config/node_key.json")).id().hex();
        assertThat(run("show-node-id", "--home", home.toString()).out().trim()).isEqualTo(id);
        assertThat(NodeConfig.load(home.resolve("config/config.toml")).get("p2p.laddr")).isEqualTo("tcp://0.0.0.0:26656");
    }

    @Test
    void badConfigurationFailsWithOneClearLine() throws Exception {
        Path home = dir.resolve("home");
        run("init", "--home", home.toString());
        Run badAddress = run("start", "--home", home.toString(), "--p2p.persistent_peers", "not-an-address");
        assertThat(badAddress.code()).isEqualTo(1);
        assertThat(badAddress.err().trim()).startsWith("p2p4j: p2p.persistent_peers:").doesNotContain("\n").doesNotContain("at io.");

        Files.writeString(home.resolve("config/config.toml"), "moniker = \"x\"\n[p2p]\nlisten_here = 1\n");
        Run unknownKey = run("start", "--home", home.toString());
        assertThat(unknownKey.code()).isEqualTo(1);
        assertThat(unknownKey.err().trim()).contains("unknown key \"p2p.listen_here\"").doesNotContain("\n");

        Files.writeString(home.resolve("config/config.toml"), NodeConfig.defaults().toToml());
        Files.writeString(home.resolve("config/node_key.json"), "{broken");
        Run badKey = run("start", "--home", home.toString());
        assertThat(badKey.code()).isEqualTo(1);
        assertThat(badKey.err().trim()).contains("node_key.json").contains("is not valid JSON").doesNotContain("\n");

        Path other = dir.resolve("other");
        run("init", "--home", other.toString());
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Run portInUse = run("start", "--home", other.toString(), "--p2p.laddr", "tcp://127.0.0.1:" + taken.getLocalPort(),
                    "--status.laddr", "");
            assertThat(portInUse.code()).isEqualTo(1);
            assertThat(portInUse.err().trim()).startsWith("p2p4j: cannot listen on tcp://127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("\n");
        }
        Files.delete(home.resolve("config/node_key.json"));
        Run badFlag = run("start", "--home", home.toString(), "--p2p.pex", "maybe");
        assertThat(badFlag.code()).isEqualTo(1);
        assertThat(badFlag.err().trim()).contains("p2p.pex = \"maybe\" is not true or false");
    }

    /**
     * Runs {@code start} in-process on a thread of its own and waits until its node is up;
     * {@code command.stop} ends it and the returned future gives its exit code.
     */
    CompletableFuture<Integer> startInProcess(StartCommand command, String... args) {
        started.add(command);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread.ofVirtual().name("start-in-process").start(() -> exit.complete(new CommandLine(command).execute(args)));
        await().atMost(Duration.ofSeconds(20)).until(() -> command.node != null || exit.isDone());
        assertThat(command.node).as("started (exit code %s)", exit.getNow(null)).isNotNull();
        return exit;
    }

    /** Asserts the run failed with exit code 1 and printed exactly one line, "p2p4j: ...". */
    static String oneLineFailure(Run run) {
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).startsWith("p2p4j: ").endsWith(System.lineSeparator());
        String line = run.err().substring(0, run.err().length() - System.lineSeparator().length());
        assertThat(line).as("one line").doesNotContain("\n").doesNotContain("\r");
        assertThat(run.out()).as("no usage text").isEmpty();
        return line;
    }

    @Test
    void badFlagsAndValuesFailWithOneLineForEveryCommand() {
        Path home = dir.resolve("home");
        assertThat(oneLineFailure(run("start", "--home", home.toString(), "--p2p.bogus", "x")))
                .contains("--p2p.bogus");
        assertThat(oneLineFailure(run("start", "--p2p.seed", "x"))).contains("--p2p.seed").contains("did you mean --p2p.seeds?");
        assertThat(oneLineFailure(run("init", "--bogus"))).contains("--bogus");
        assertThat(oneLineFailure(run("show-node-id", "--home", home.toString()))).contains("node_key.json").contains("does not exist");
        assertThat(oneLineFailure(run("demo", "--nodes", "many"))).contains("--nodes").contains("many");
        assertThat(oneLineFailure(run("demo", "--nodes", "1"))).contains("--nodes must be at least 2");
        assertThat(oneLineFailure(run("demo-mconnection", "--seconds"))).contains("--seconds");
        assertThat(oneLineFailure(run("no-such-command"))).contains("no-such-command");
    }

    @Test
    void debugAddsTheStackTrace() {
        Run debug = run("show-node-id", "--home", dir.resolve("none").toString(), "--log_level", "debug");
        assertThat(debug.code()).isEqualTo(1);
        assertThat(debug.err()).startsWith("p2p4j: ").contains("at io.p2p4j.");
    }

    @Test
    void aProblemWithoutAMessageIsNamedByItsKindAndCause() {
        assertThat(Main.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
        assertThat(Main.describe(new java.util.concurrent.ExecutionException(null, new java.io.IOException("disk full"))))
                .isEqualTo("ExecutionException: disk full");
        assertThat(Main.describe(new java.nio.file.NoSuchFileException("config/node_key.json")))
                .isEqualTo("config/node_key.json: no such file");
        assertThat(Main.describe(new IllegalArgumentException("two\nlines"))).isEqualTo("two; lines");
    }

    @Test
    void twoStartedNodesWithPersistentPeersConnectAndStoppingSavesTheBookEvenWithoutPex() throws Exception {
        Path homeA = dir.resolve("a");
        Path homeB = dir.resolve("b");
        run("init", "--home", homeA.toString(), "--chain-id", "test-net");
        run("init", "--home", homeB.toString(), "--chain-id", "test-net");
        String idA = NodeKey.load(homeA.resolve("config/node_key.json")).id().hex();
        int portA = freePort();
        StartCommand a = new StartCommand();
        StartCommand b = new StartCommand();
        CompletableFuture<Integer> runA = startInProcess(a, "--home", homeA.toString(), "--p2p.laddr",
                "tcp://127.0.0.1:" + portA, "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false",
                "--status.laddr", "127.0.0.1:0");
        CompletableFuture<Integer> runB = startInProcess(b, "--home", homeB.toString(), "--p2p.laddr", "tcp://127.0.0.1:0",
                "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false", "--status.laddr", "",
                "--p2p.persistent_peers", idA + "@127.0.0.1:" + portA, "--p2p.pex", "false");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> b.node != null && a.node.sw.peers().size() == 1
                    && b.node.sw.peers().size() == 1);
        } catch (RuntimeException e) {
            throw new AssertionError("b finished with " + runB.getNow(-5) + ", b started " + (b.node != null)
                    + ", a peers " + a.node.sw.peers().size(), e);
        }

        // the status server answers with the peer
        String url = "http://127.0.0.1:" + a.node.status.address().getPort();
        HttpClient http = HttpClient.newHttpClient();
        String netInfo = http.send(HttpRequest.newBuilder(URI.create(url + "/net_info")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertCometBftNetInfo(new ObjectMapper().readTree(netInfo), b.node);
        JsonNode health = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(health.path("result").isObject()).as("/health: %s", health).isTrue();
        JsonNode status = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(status.path("result").path("node_info").path("id").asText()).as("/status: %s", status)
                .isEqualTo(a.node.sw.id().hex());
        // the drawing's data for a real node: itself and its peer, and the link between them, both ends listed
        JsonNode network = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/network")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        java.util.List<String> nodeIds = network.path("nodes").findValuesAsText("id");
        assertThat(nodeIds).as("/network: %s", network).containsExactlyInAnyOrder(a.node.sw.id().hex(), b.node.sw.id().hex());
        assertThat(network.path("links")).as("/network: %s", network).singleElement().satisfies(link -> {
            assertThat(link.path("from").asText()).isEqualTo(b.node.sw.id().hex());
            assertThat(link.path("to").asText()).isEqualTo(a.node.sw.id().hex());
        });
        assertThat(network.path("nodes").get(0).path("network").asText()).isEqualTo("test-net");
        String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertCometBftMetrics(metrics, b.node);
        // the gossip channel has carried nothing yet: no series for it, as CometBFT has none for an unused channel
        assertThat(metrics).doesNotContain("chID=\"0x70\"");
        b.node.gossip.publish("hello".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body().lines().anyMatch(line -> line.startsWith(
                        "cometbft_p2p_peer_receive_bytes_total{") && line.contains("chID=\"0x70\"")));
        assertThat(metrics).contains("p2p4j_p2p_pending_handshakes");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(url + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("<title>p2p4j status</title>");

        // stopping (what SIGTERM does) saves the address book, PEX off as here or on, and exits 0
        b.stop.countDown();
        assertThat(runB.get(20, TimeUnit.SECONDS)).isZero();
        Path bookB = homeB.resolve("data/addrbook.json");
        assertThat(bookB).exists();
        assertThat(Files.readString(bookB)).contains(idA);
        a.stop.countDown();
        assertThat(runA.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void theNetworkIsTheGenesisChainIdWhichInitWritesAndAChainIdFlagMayOnlyRepeat() throws Exception {
        Path home = dir.resolve("home");
        Run init = run("init", "--home", home.toString(), "--chain-id", "my-net");
        assertThat(init.code()).as(init.err()).isZero();
        assertThat(new ObjectMapper().readTree(home.resolve("config/genesis.json").toFile()).path("chain_id").asText())
                .isEqualTo("my-net");
        assertThat(Files.readString(home.resolve("config/config.toml"))).doesNotContain("chain_id =");

        StartCommand start = new StartCommand();
        CompletableFuture<Integer> running = startInProcess(start, "--home", home.toString(), "--p2p.laddr",
                "tcp://127.0.0.1:0", "--status.laddr", "");
        assertThat(start.node.sw.nodeInfo().network()).isEqualTo("my-net");
        start.stop.countDown();
        assertThat(running.get(20, TimeUnit.SECONDS)).isZero();

        assertThat(oneLineFailure(run("start", "--home", home.toString(), "--p2p.laddr", "tcp://127.0.0.1:0",
                "--status.laddr", "", "--chain-id", "other-net")))
                .contains("--chain-id \"other-net\" disagrees with").contains("genesis.json").contains("\"my-net\"");
        assertThat(oneLineFailure(run("init", "--home", dir.resolve("long").toString(), "--chain-id", "x".repeat(51))))
                .contains("longer than 50");
    }

    @Test
    void initOnAnExistingHomeSaysSoAndKeepsItsFiles() throws Exception {
        Path home = dir.resolve("home");
        assertThat(run("init", "--home", home.toString()).out()).contains("initialised in");
        String genesis = Files.readString(home.resolve("config/genesis.json"));
        Run again = run("init", "--home", home.toString(), "--chain-id", "another");
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("already initialised").doesNotContain("initialised in");
        assertThat(Files.readString(home.resolve("config/genesis.json"))).isEqualTo(genesis);
    }

    @Test
    void startOnAHomeThatWasNeverInitialisedSaysSoInsteadOfMakingAKey() {
        Path home = dir.resolve("never");
        assertThat(oneLineFailure(run("start", "--home", home.toString(), "--chain-id", "x", "--status.laddr", "")))
                .contains("is not initialised").contains("p2p4j init");
        assertThat(home.resolve("config/node_key.json")).doesNotExist();
    }

    @Test
    void theDefaultHomeIsUnderHomeAsCometBftsIs() {
        assertThat(HomeOptions.defaultHome(java.util.Map.of("HOME", "/srv/node"), "/home/operator")).isEqualTo(Path.of("/srv/node/.p2p4j"));
        assertThat(HomeOptions.defaultHome(java.util.Map.of(), "/home/operator")).isEqualTo(Path.of("/home/operator/.p2p4j"));
    }

    /** Replaces the home's data folder by a file: nothing can be written there, whoever runs the test (root too). */
    private static void breakDataFolder(Path home) throws Exception {
        try (var files = Files.walk(home.resolve("data"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        Files.writeString(home.resolve("data"), "not a folder");
    }

    @Test
    void aDataFolderThatCannotBeWrittenStopsTheStartInOneLine() throws Exception {
        Path home = dir.resolve("home");
        run("init", "--home", home.toString());
        breakDataFolder(home);
        assertThat(oneLineFailure(run("start", "--home", home.toString(), "--p2p.laddr", "tcp://127.0.0.1:0",
                "--status.laddr", ""))).contains(home.resolve("data") + ": cannot write there");
    }

    @Test
    void aFailedFinalSaveIsAnErrorWithTheReasonAndExitsNonZero() throws Exception {
        Path home = dir.resolve("home");
        run("init", "--home", home.toString());
        try (NodeProcess node = NodeProcess.start("start", "--home", home.toString(), "--p2p.laddr", "tcp://127.0.0.1:0",
                "--status.laddr", "")) {
            node.awaitStarted(Duration.ofSeconds(30));
            breakDataFolder(home);
            assertThat(node.stop()).as(node.output()).isEqualTo(1);
            assertThat(node.lines("ERROR", "saving the address book", "failed", home.resolve("data").toString()))
                    .as(node.output()).isNotEmpty();
        }
    }

    @Test
    void temporaryFilesOfASaveThatCrashedAreRemovedWhenTheNodeStarts() throws Exception {
        Path home = dir.resolve("home");
        run("init", "--home", home.toString());
        Path stale = Files.writeString(home.resolve("data/.addrbook.json4815162342.tmp"), "{\"half\": ");
        startAndStop(home);
        assertThat(stale).doesNotExist();
    }

    /** Starts a node on the home in-process and stops it, asserting exit code 0. */
    private void startAndStop(Path home) throws Exception {
        StartCommand start = new StartCommand();
        CompletableFuture<Integer> running = startInProcess(start, "--home", home.toString(), "--p2p.laddr",
                "tcp://127.0.0.1:0", "--status.laddr", "");
        start.stop.countDown();
        assertThat(running.get(20, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aSecondNodeOnTheSameHomeIsRefusedUntilTheFirstStops() throws Exception {
        Path home = dir.resolve("home");
        run("init", "--home", home.toString());
        StartCommand first = new StartCommand();
        CompletableFuture<Integer> running = startInProcess(first, "--home", home.toString(), "--p2p.laddr",
                "tcp://127.0.0.1:0", "--status.laddr", "");
        assertThat(oneLineFailure(run("start", "--home", home.toString(), "--p2p.laddr", "tcp://127.0.0.1:0",
                "--status.laddr", ""))).contains(home + " is in use by another node");
        first.stop.countDown();
        assertThat(running.get(20, TimeUnit.SECONDS)).isZero();
        startAndStop(home); // the lock went with the first node
    }

    @Test
    void aStatusAddressThatIsNotHostPortIsRefusedBeforeAnythingStarts() throws Exception {
        Path home = dir.resolve("home");
        run("init", "--home", home.toString());
        assertThat(oneLineFailure(run("start", "--home", home.toString(), "--p2p.laddr", "tcp://127.0.0.1:0",
                "--status.laddr", "nonsense"))).isEqualTo("p2p4j: --status.laddr = \"nonsense\" is not host:port "
                        + "(\"\" turns the status server off)");
    }

    @Test
    void startRunsOnACometBftHomeAsItIs() throws Exception {
        Path home = dir.resolve("cometbft");
        Files.createDirectories(home.resolve("config"));
        Files.copy(NodeConfigTest.cometBftConfig(dir), home.resolve("config/config.toml"));
        try (java.io.InputStream genesis = getClass().getResourceAsStream("/cometbft-home/genesis.json")) {
            Files.copy(genesis, home.resolve("config/genesis.json")); // as `cometbft init` writes it
        }
        NodeKey.generate().save(home.resolve("config/node_key.json"));
        StartCommand start = new StartCommand();
        CompletableFuture<Integer> running = startInProcess(start, "--home", home.toString(), "--status.laddr", "");
        assertThat(start.node.sw.nodeInfo().network()).as("genesis.json's chain_id").isEqualTo("test-chain-lQK24i");
        assertThat(start.node.sw.nodeInfo().moniker()).isEqualTo("cometbft-home-node");
        assertThat(start.node.sw.config().handshakeTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(start.node.sw.config().dialTimeout()).isEqualTo(Duration.ofSeconds(2));
        start.stop.countDown();
        assertThat(running.get(20, TimeUnit.SECONDS)).isZero();
        assertThat(home.resolve("config/addrbook.json")).exists(); // where this config.toml puts the book
    }

    /** /metrics with CometBFT's p2p series and labels, for node A with peer B, and the JVM's and process's. */
    private static void assertCometBftMetrics(String metrics, Node peerB) {
        assertThat(metrics).contains("cometbft_p2p_peers{chain_id=\"test-net\"} 1.0");
        assertThat(metrics.lines().filter(line -> line.startsWith("cometbft_p2p_peer_pending_send_bytes{")))
                .singleElement().asString().contains("peer_id=\"" + peerB.sw.id().hex() + "\"");
        // CometBFT labels every series with the chain id
        assertThat(metrics.lines().filter(line -> !line.startsWith("#") && !line.isBlank()))
                .isNotEmpty().allSatisfy(line -> assertThat(line).contains("chain_id=\"test-net\""));
        // channel labels as Go's %#x writes them: 0x0, 0x20, never 0x00
        assertThat(java.util.regex.Pattern.compile("chID=\"([^\"]*)\"").matcher(metrics).results().map(m -> m.group(1)))
                .allMatch(label -> label.matches("0x(0|[1-9a-f][0-9a-f]?)"));
        assertThat(metrics).contains("jvm_memory_used_bytes").contains("process_cpu_usage").contains("process_uptime_seconds");
    }

    /** /net_info as CometBFT's RPC gives it (its JSON writes 64-bit numbers as strings), for node A with peer B. */
    private static void assertCometBftNetInfo(JsonNode reply, Node peerB) {
        assertThat(reply.path("jsonrpc").asText()).isEqualTo("2.0");
        JsonNode result = reply.path("result");
        assertThat(result.path("listening").isBoolean()).isTrue();
        assertThat(result.path("listening").asBoolean()).isTrue();
        assertThat(result.path("listeners").isArray()).isTrue();
        // CometBFT's node lists its configured external address, here none
        assertThat(result.path("listeners").get(0).asText()).isEqualTo("Listener(@)");
        assertThat(result.path("n_peers").isTextual()).as("n_peers is a string").isTrue();
        assertThat(result.path("n_peers").asText()).isEqualTo("1");
        assertThat(result.path("peers")).hasSize(1);
        JsonNode peer = result.path("peers").get(0);

        JsonNode info = peer.path("node_info");
        for (String version : new String[] {"p2p", "block", "app"}) {
            assertThat(info.path("protocol_version").path(version).isTextual()).as("protocol_version.%s", version).isTrue();
        }
        assertThat(info.path("protocol_version").path("p2p").asText()).isEqualTo("8");
        assertThat(info.path("id").asText()).isEqualTo(peerB.sw.id().hex());
        assertThat(info.path("listen_addr").asText()).isEqualTo(peerB.sw.nodeInfo().listenAddr());
        assertThat(info.path("network").asText()).isEqualTo("test-net");
        assertThat(info.path("version").isTextual()).isTrue();
        // hex of the channel bytes; B runs no PEX, so the gossip channel alone
        assertThat(info.path("channels").asText()).isEqualTo(String.format("%02x", GossipReactor.CHANNEL));
        assertThat(info.path("moniker").asText()).isEqualTo(peerB.sw.nodeInfo().moniker());
        assertThat(info.path("other").has("tx_index")).isTrue();
        assertThat(info.path("other").has("rpc_address")).isTrue();

        assertThat(peer.path("is_outbound").isBoolean()).isTrue();
        assertThat(peer.path("is_outbound").asBoolean()).isFalse();
        assertThat(peer.path("remote_ip").asText()).isEqualTo("127.0.0.1");
        JsonNode status = peer.path("connection_status");
        assertThat(status.path("Duration").asText()).matches("\\d+");
        for (String monitor : new String[] {"SendMonitor", "RecvMonitor"}) {
            // CometBFT's flowrate.Status, 64-bit numbers as strings
            for (String field : new String[] {"Bytes", "Samples", "InstRate", "CurRate", "AvgRate", "PeakRate", "BytesRem",
                    "Duration", "Idle", "TimeRem"}) {
                assertThat(status.path(monitor).path(field).asText()).as("%s.%s", monitor, field).matches("\\d+");
            }
            assertThat(status.path(monitor).path("Start").asText()).as(monitor).isNotEmpty();
            assertThat(status.path(monitor).path("Progress").isInt()).as(monitor).isTrue();
            assertThat(status.path(monitor).path("Active").isBoolean()).as(monitor).isTrue();
        }
        assertThat(status.path("Channels").isArray()).isTrue();
        assertThat(status.path("Channels")).isNotEmpty().allSatisfy(channel -> {
            assertThat(channel.path("ID").isInt()).as("ID is a number").isTrue();
            for (String field : new String[] {"SendQueueCapacity", "SendQueueSize", "Priority", "RecentlySent"}) {
                assertThat(channel.path(field).isTextual()).as(field).isTrue();
                assertThat(channel.path(field).asText()).as(field).matches("\\d+");
            }
        });
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void theDemoFormsItsNetworkAndExitsZero() {
        Run demo = run("demo", "--nodes", "5", "--seconds", "1", "--status", "");
        assertThat(demo.code()).as(demo.out()).isZero();
        assertThat(demo.out()).contains("every node found its peers");
        // output to a pipe or a file gets whole lines, not a line rewritten with \r
        assertThat(demo.out()).contains("peers per node").doesNotContain("\r");
    }

    @Test
    void theDemoStillFormsItsNetworkWithFaultsInjected() {
        Run demo = run("demo", "--nodes", "6", "--seconds", "3", "--status", "", "--test-fuzz");
        assertThat(demo.code()).as(demo.out()).isZero();
        assertThat(demo.out()).contains("every node found its peers");
        java.util.regex.Matcher dropped = java.util.regex.Pattern.compile("(\\d+) peer connections dropped").matcher(demo.out());
        assertThat(dropped.find()).as(demo.out()).isTrue();
        assertThat(Integer.parseInt(dropped.group(1))).as("the faults dropped peers").isPositive();
    }

    @Test
    void helpIsACommandAndStartsHelpKeepsEveryFlagNameWhole() {
        Run help = run("help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("init").contains("start").contains("show-node-id");
        Run startHelp = run("help", "start");
        assertThat(startHelp.code()).isZero();
        Run flag = run("start", "--help");
        assertThat(flag.out()).isEqualTo(startHelp.out());
        for (CommandLine.Model.OptionSpec option : new CommandLine(new StartCommand()).getCommandSpec().options()) {
            for (String name : option.names()) {
                assertThat(flag.out()).as("usage names %s in one piece", name).contains(name);
            }
        }
    }

    /** Whether this JVM was started with the signal ignored, which its children then inherit. */
    private static boolean ignoredHere(int signal) throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        return Files.readAllLines(status).stream().filter(line -> line.startsWith("SigIgn:"))
                .map(line -> Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16))
                .anyMatch(mask -> (mask >>> (signal - 1) & 1) == 1);
    }

    private static boolean printed(StringBuilder output, String text) {
        synchronized (output) {
            return output.indexOf(text) >= 0;
        }
    }

    @ParameterizedTest
    @CsvSource({"TERM, 15", "INT, 2"})
    void aSignalSavesTheBookWithThePeerAndExitsZero(String signal, int number) throws Exception {
        assumeFalse(ignoredHere(number), "SIG" + signal + " is ignored in this JVM, and so in its child");
        // the peer the signalled node connects to, in this JVM
        Path peerHome = dir.resolve("peer");
        run("init", "--home", peerHome.toString());
        String peerId = NodeKey.load(peerHome.resolve("config/node_key.json")).id().hex();
        int peerPort = freePort();
        StartCommand peer = new StartCommand();
        CompletableFuture<Integer> peerRun = startInProcess(peer, "--home", peerHome.toString(), "--p2p.laddr",
                "tcp://127.0.0.1:" + peerPort, "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false",
                "--status.laddr", "");

        Path home = dir.resolve("signalled");
        run("init", "--home", home.toString());
        String java = ProcessHandle.current().info().command().orElse("java");
        Process node = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "start", "--home", home.toString(), "--p2p.laddr", "tcp://127.0.0.1:0", "--status.laddr", "",
                "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false",
                "--p2p.persistent_peers", peerId + "@127.0.0.1:" + peerPort)
                .redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        try {
            // connected, and past the point where the node takes its signals (it says so once it does)
            await().atMost(Duration.ofSeconds(30)).until(() -> peer.node.sw.peers().size() == 1 && printed(output, " listening on ")
                    || !node.isAlive());
            assertThat(peer.node.sw.peers().size()).as("connected; node output:%n%s", output).isEqualTo(1);
            Process kill = new ProcessBuilder("kill", "-s", signal, String.valueOf(node.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("ended after SIG%s", signal).isTrue();
            reader.join(Duration.ofSeconds(5));
            assertThat(node.exitValue()).as(output.toString()).isZero();
        } finally {
            node.destroyForcibly();
            peer.stop.countDown();
        }
        assertThat(peerRun.get(20, TimeUnit.SECONDS)).isZero();

        JsonNode book = new ObjectMapper().readTree(home.resolve("data/addrbook.json").toFile());
        assertThat(book.path("addrs")).anySatisfy(entry -> {
            assertThat(entry.path("addr").path("id").asText()).isEqualTo(peerId);
            assertThat(entry.path("addr").path("ip").asText()).isEqualTo("127.0.0.1");
            assertThat(entry.path("addr").path("port").asInt()).isEqualTo(peerPort);
        });
    }
}
