package io.p2p4j.node;

import io.p2p4j.Direction;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.identity.NodeKey;
import io.p2p4j.net.HandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a started node logs at the default level about peers it cannot reach or that refuse it,
 * and about settings under which no CometBFT node would peer with it: nodes run as processes of
 * their own, so their log is the real command's, at its default level.
 */
class NodeLogTest {
    @TempDir
    Path dir;

    private Path init(String name, String chainId) {
        Path home = dir.resolve(name);
        assertThat(Main.run("init", "--home", home.toString(), "--chain-id", chainId)).isZero();
        return home;
    }

    private static int closedPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Test
    void failedDialsOfSeedsAndPersistentPeersAreErrorsWithTheReasonAndRefusalsAreLoggedOnBothSides() throws Exception {
        Path other = init("other", "net-b");
        int otherPort = closedPort();
        String otherAddress = NodeKey.load(other.resolve("config/node_key.json")).id().hex() + "@127.0.0.1:" + otherPort;
        int seedPort = closedPort();
        int peerPort = closedPort();
        String seed = NodeKey.generate().id().hex() + "@127.0.0.1:" + seedPort;
        String peer = NodeKey.generate().id().hex() + "@127.0.0.1:" + peerPort;
        String unknownHost = NodeKey.generate().id().hex() + "@no-such-host.invalid:26656";
        // the seed on a node of its own: with persistent peers in its book a node dials those first, and
        // falls back to the seeds only when it has nothing else to dial (as CometBFT's ensurePeers does)
        try (NodeProcess onAnotherNetwork = NodeProcess.start("start", "--home", other.toString(), "--p2p.laddr",
                "tcp://127.0.0.1:" + otherPort, "--status.laddr", "");
                NodeProcess seeded = NodeProcess.start("start", "--home", init("seeded", "net-a").toString(), "--p2p.laddr",
                        "tcp://127.0.0.1:0", "--status.laddr", "", "--p2p.seeds", seed);
                NodeProcess node = NodeProcess.start("start", "--home", init("home", "net-a").toString(), "--p2p.laddr",
                        "tcp://127.0.0.1:0", "--status.laddr", "",
                        "--p2p.persistent_peers", peer + "," + otherAddress + "," + unknownHost,
                        "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false")) {
            Duration limit = Duration.ofSeconds(30);
            seeded.awaitLine(limit, "ERROR", "Error dialing seed 127.0.0.1:" + seedPort, "Connection refused");
            node.awaitLine(limit, "ERROR", "Error dialing peer 127.0.0.1:" + peerPort, "Connection refused");
            node.awaitLine(limit, "ERROR", "Error dialing peer no-such-host.invalid:26656", "no-such-host.invalid");
            // the other node is on another network: the reason says so, in the log of each side (the
            // first dial may come before the other node listens: then the mismatch is a redial's reason)
            node.awaitLine(limit, "peer 127.0.0.1:" + otherPort, "network mismatch", "net-b");
            onAnotherNetwork.awaitLine(limit, "INFO", "Refused inbound connection from 127.0.0.1", "net-a");
            // the persistent peer is redialed, at info, with the count of failures
            node.awaitLine(limit, "INFO", "Error reconnecting to peer 127.0.0.1:" + peerPort, "failed 2 times");
        }
    }

    /**
     * A refused inbound connection is one line of the node's log, in CometBFT's words: the
     * switch's refusal log writes it (summarised per IP), and the node's dial log, which hears of
     * it too, leaves it out.
     */
    @Test
    void aRefusedInboundConnectionIsLoggedOnce() throws Exception {
        try (NodeProcess node = NodeProcess.start("start", "--home", init("home", "net-a").toString(), "--p2p.laddr",
                "tcp://127.0.0.1:0", "--status.laddr", "")) {
            node.awaitStarted(Duration.ofSeconds(30));
            String started = node.output().lines().filter(l -> l.startsWith("node ") && l.contains(" listening on "))
                    .findFirst().orElseThrow();
            java.util.regex.Matcher port = java.util.regex.Pattern.compile(" listening on \\S+:(\\d+)").matcher(started);
            assertThat(port.find()).as(started).isTrue();
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", Integer.parseInt(port.group(1)))) {
                socket.getOutputStream().write(new byte[64]); // no key for a SecretConnection
            }
            node.awaitLine(Duration.ofSeconds(30), "INFO", "Refused inbound connection from 127.0.0.1");
            node.stop(); // all it printed, the refusal's every line included
            List<String> aboutTheRefusal = node.output().lines()
                    .filter(line -> line.toLowerCase(java.util.Locale.ROOT).contains("inbound") && line.contains("127.0.0.1"))
                    .toList();
            assertThat(aboutTheRefusal).as(node.output()).hasSize(1);
        }
    }

    @Test
    void oneAddressFailingAHundredTimesForOneReasonLogsSevenLinesWithTheCount() {
        java.util.Queue<org.slf4j.event.SubstituteLoggingEvent> events = new java.util.concurrent.ConcurrentLinkedQueue<>();
        org.slf4j.helpers.SubstituteLogger target = new org.slf4j.helpers.SubstituteLogger("dial", events, false);
        DialLog dialLog = new DialLog(List.of(), List.of(), new org.slf4j.event.EventRecordingLogger(target, events));
        InetSocketAddress address = InetSocketAddress.createUnresolved("10.0.0.9", 26656);
        for (int i = 0; i < 100; i++) {
            dialLog.connectionRefused(address, Direction.OUTBOUND, new ConnectException("Connection refused"));
        }
        List<String> logged = events.stream().map(e -> org.slf4j.helpers.MessageFormatter.basicArrayFormat(e.getMessage(),
                e.getArgumentArray())).toList();
        // the 1st, 2nd, 4th, 8th, 16th, 32nd and 64th
        assertThat(logged).hasSize(7).allMatch(line -> line.startsWith("Error dialing peer 10.0.0.9:26656: Connection refused"));
        assertThat(logged.getLast()).endsWith("(failed 64 times in a row, for this reason)");
        // a new reason is logged at once
        dialLog.connectionRefused(address, Direction.OUTBOUND, new HandshakeException(HandshakeException.Reason.INCOMPATIBLE,
                "network mismatch: ours \"a\", theirs \"b\""));
        assertThat(events).hasSize(8);
        assertThat(events.stream().map(e -> e.getLevel().toString()).distinct()).containsExactly("INFO");
    }

    @Test
    void aNodeWithoutPexHasNoChannelInCommonWithCometBftAndSaysSoNamingTheKey() throws Exception {
        try (NodeProcess node = NodeProcess.start("start", "--home", init("home", "net-a").toString(), "--p2p.laddr",
                "tcp://127.0.0.1:0", "--status.laddr", "", "--p2p.pex", "false")) {
            node.awaitLine(Duration.ofSeconds(30), "WARN", "share none with CometBFT's", "p2p.pex = true");
        }
        assertThat(PeeringCheck.channelWarning(new byte[] {0x00, GossipReactor.CHANNEL}, true)).isEmpty();
    }

    @Test
    void aMonikerEveryPeerWouldRefuseStopsTheStartNamingTheKey() {
        Path home = init("home", "net-a");
        for (String moniker : new String[] {"", "nœud"}) {
            NodeCommandsTest.Run run = NodeCommandsTest.run("start", "--home", home.toString(), "--p2p.laddr",
                    "tcp://127.0.0.1:0", "--status.laddr", "", "--moniker", moniker);
            assertThat(NodeCommandsTest.oneLineFailure(run)).contains("moniker = \"" + moniker + "\" (flag)")
                    .contains("every CometBFT peer would refuse");
        }
    }
}
