package io.p2p4j.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code cometbft} node ({@link CometBftBinary}) with the built-in kvstore app, so a
 * single validator makes blocks. Its home comes from {@code cometbft init}; its ports are free
 * ones found at run time and given as flags; its RPC answers {@link #height()} and
 * {@link #peers()}. Skipped without Go, except under CI (see {@link GoPeer#requiresGo}).
 */
final class CometBftNode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path binary;

    final Path home;
    final int p2pPort;
    final int rpcPort;
    /** The running command and its log. */
    final LoggedProcess process;

    private CometBftNode(Path home, int p2pPort, int rpcPort, LoggedProcess process) {
        this.home = home;
        this.p2pPort = p2pPort;
        this.rpcPort = rpcPort;
        this.process = process;
    }

    /** Installs cometbft (unless cached) and returns it; skips or fails without Go. */
    static synchronized Path binary() throws Exception {
        if (binary == null) {
            if (!GoPeerBinary.goOnPath()) {
                if (GoPeer.requiresGo(System.getenv("CI"))) {
                    throw new IllegalStateException("Go is not on the PATH, and CI requires the CometBFT tests to run");
                }
                Assumptions.abort("Go is not on the PATH: the tests against the real cometbft binary are skipped");
            }
            binary = CometBftBinary.ensureInstalled(GoPeerBinary.BUILD_TIME_LIMIT);
        }
        return binary;
    }

    /** {@code cometbft init} in a new folder under {@code dir}: a validator home with its own chain id. */
    static Path init(Path dir, String name) throws Exception {
        Path home = dir.resolve(name);
        GoPeerBinary.run(List.of(binary().toString(), "init", "--home", home.toString()), dir, Duration.ofMinutes(1));
        return home;
    }

    /**
     * Lets the node peer on loopback as the tests do: several peers from 127.0.0.1, and loopback
     * addresses kept in its address book.
     */
    static void allowLoopbackPeers(Path home) throws IOException {
        Path config = home.resolve("config/config.toml");
        String toml = Files.readString(config)
                .replace("allow_duplicate_ip = false", "allow_duplicate_ip = true")
                .replace("addr_book_strict = true", "addr_book_strict = false");
        Files.writeString(config, toml);
    }

    /** Turns on the node's Prometheus endpoint on a free port of 127.0.0.1, and returns the port. */
    static int enablePrometheus(Path home) throws IOException {
        int port = freePort();
        Path config = home.resolve("config/config.toml");
        Files.writeString(config, Files.readString(config).replace("prometheus = false", "prometheus = true")
                .replace("prometheus_listen_addr = \":26660\"", "prometheus_listen_addr = \"127.0.0.1:" + port + "\""));
        return port;
    }

    /** The chain id of a home's genesis.json. */
    static String chainId(Path home) throws IOException {
        return JSON.readTree(home.resolve("config/genesis.json").toFile()).path("chain_id").asText();
    }

    /** The node id of a home, as {@code cometbft show-node-id} prints it. */
    static String nodeId(Path home) throws Exception {
        return GoPeerBinary.run(List.of(binary().toString(), "show-node-id", "--home", home.toString()), home,
                Duration.ofMinutes(1)).strip();
    }

    /** Starts {@code cometbft start} on {@code home} with the kvstore app, free ports and these extra flags. */
    static CometBftNode start(Path home, String... flags) throws Exception {
        int p2pPort = freePort();
        int rpcPort = freePort();
        List<String> command = new ArrayList<>(List.of(binary().toString(), "start", "--home", home.toString(),
                "--proxy_app", "kvstore", "--p2p.laddr", "tcp://127.0.0.1:" + p2pPort,
                "--rpc.laddr", "tcp://127.0.0.1:" + rpcPort));
        command.addAll(List.of(flags));
        return new CometBftNode(home, p2pPort, rpcPort, LoggedProcess.start(command));
    }

    /** id@127.0.0.1:port, for persistent_peers and seeds. */
    String address() throws Exception {
        return nodeId(home) + "@127.0.0.1:" + p2pPort;
    }

    /** The latest block height from {@code /status}, or -1 while the RPC does not answer. */
    long height() {
        JsonNode status = LoggedProcess.getJson(rpcPort, "/status");
        return status == null ? -1 : status.path("result").path("sync_info").path("latest_block_height").asLong(-1);
    }

    /** The ids of the connected peers from {@code /net_info}; empty while the RPC does not answer. */
    List<String> peers() {
        return LoggedProcess.peerIds(LoggedProcess.getJson(rpcPort, "/net_info"));
    }


    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
