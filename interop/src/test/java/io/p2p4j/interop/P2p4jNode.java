package io.p2p4j.interop;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The p2p4j command, {@code p2p4j start}, run as a process of its own on a home (with this
 * test's class path), on free ports; its status server answers {@link #peers()}.
 */
final class P2p4jNode implements AutoCloseable {
    final int p2pPort;
    final int statusPort;
    /** The running command and its log. */
    final LoggedProcess process;

    private P2p4jNode(int p2pPort, int statusPort, LoggedProcess process) {
        this.p2pPort = p2pPort;
        this.statusPort = statusPort;
        this.process = process;
    }

    /** Runs {@code p2p4j <args>} to its end (init, show-node-id); returns what it printed. */
    static String run(String... args) throws Exception {
        return GoPeerBinary.run(command(List.of(args)), Path.of("."), Duration.ofMinutes(1));
    }

    /** {@code p2p4j start --home home} on free loopback ports, with these extra flags. */
    static P2p4jNode start(Path home, String... flags) throws Exception {
        int p2pPort = CometBftNode.freePort();
        int statusPort = CometBftNode.freePort();
        List<String> args = new ArrayList<>(List.of("start", "--home", home.toString(),
                "--p2p.laddr", "tcp://127.0.0.1:" + p2pPort, "--status.laddr", "127.0.0.1:" + statusPort));
        args.addAll(List.of(flags));
        return new P2p4jNode(p2pPort, statusPort, LoggedProcess.start(command(args)));
    }

    private static List<String> command(List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "io.p2p4j.node.Main"));
        command.addAll(args);
        return command;
    }

    /** The ids of the connected peers, from the status server's {@code /net_info}; empty while it does not answer. */
    List<String> peers() {
        return LoggedProcess.peerIds(LoggedProcess.getJson(statusPort, "/net_info"));
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
