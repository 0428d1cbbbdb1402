package io.p2p4j.interop;

import io.p2p4j.Direction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NodeInfo;
import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.SwitchListener;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.pex.AddrBook;
import io.p2p4j.pex.PexConfig;
import io.p2p4j.pex.PexReactor;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testing.TestSwitches;
import io.p2p4j.net.HandshakeException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** p2p4j against real Go CometBFT v0.38.25 nodes (go-peer), over loopback TCP. */
class InteropTest {
    static final String NETWORK = "p2p4j-interop";
    static final int LIMIT = 4 * 1024 * 1024;
    static final byte SLOW = 0x70;
    static final byte FAST = 0x71;

    @TempDir
    Path dir;
    /**
     * The switches and Go peers of each test, all closed after it even when one close fails, so
     * no Go process outlives its test (an instance field: each test has a fixture of its own).
     */
    @RegisterExtension
    final TestSwitches switches = new TestSwitches();

    GoPeer go(String... flags) throws Exception {
        return switches.closeAfterTest(GoPeer.start(dir, flags));
    }

    /** Our side of the echo channels: records what comes back, per channel. */
    static final class EchoClient extends BaseReactor {
        final Map<Integer, List<byte[]>> received = new ConcurrentHashMap<>();

        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(SLOW).priority(1).sendQueueCapacity(8).recvMessageCapacity(LIMIT).build(),
                    ChannelDescriptor.builder(FAST).priority(5).sendQueueCapacity(8).recvMessageCapacity(LIMIT).build());
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) {
            received.computeIfAbsent((int) channelId, k -> new CopyOnWriteArrayList<>()).add(message);
        }

        List<byte[]> on(byte channel) {
            return received.computeIfAbsent((int) channel, k -> new CopyOnWriteArrayList<>());
        }
    }

    record JavaNode(Switch sw, EchoClient echo, PexReactor pex, List<Throwable> refused) {}

    JavaNode java(String network, PexConfig pex) {
        return java(network, pex, ConnectedSwitches.testConfig());
    }

    JavaNode java(String network, PexConfig pex, P2pConfig config) {
        EchoClient echo = new EchoClient();
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        Switch.Builder builder = Switch.builder(NodeKey.generate(), config)
                .network(network).moniker("p2p4j").reactor("echo", echo)
                .listener(new SwitchListener() {
                    @Override
                    public void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) {
                        refused.add(reason);
                    }
                });
        PexReactor pexReactor = null;
        if (pex != null) {
            pexReactor = new PexReactor(AddrBook.open(dir.resolve("java-" + System.nanoTime() + ".json"), AddrBook.Routability.ANY), pex);
            builder.reactor("pex", pexReactor);
        }
        Switch sw = switches.start(builder);
        return new JavaNode(sw, echo, pexReactor, refused);
    }

    /** The payload of an echo channel: a protobuf BytesValue holding {@code data}. */
    static byte[] bytesValue(byte[] data) {
        return com.google.protobuf.BytesValue.of(com.google.protobuf.ByteString.copyFrom(data)).toByteArray();
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void handshakesBothWaysEachSideSeesTheOther() throws Exception {
        GoPeer goPeer = go("-network", NETWORK, "-moniker", "go-one");
        JavaNode javaNode = java(NETWORK, null);
        Peer peer = javaNode.sw().dial(goPeer.address).get(15, TimeUnit.SECONDS);
        assertThat(peer.id()).isEqualTo(goPeer.address.id());
        assertThat(peer.nodeInfo().moniker()).isEqualTo("go-one");
        assertThat(peer.nodeInfo().version()).isEqualTo("0.38.25");
        await().atMost(Duration.ofSeconds(10)).until(() -> goPeer.printed("PEER_ADDED id=" + javaNode.sw().id().hex()
                + " outbound=false moniker=p2p4j network=" + NETWORK));

        // and the Go node dialing us
        JavaNode target = java(NETWORK, null);
        GoPeer dialer = go("-network", NETWORK, "-moniker", "go-two", "-persistent-peers", target.sw().listenAddress().toString());
        await().atMost(Duration.ofSeconds(15)).until(() -> target.sw().peers().has(dialer.address.id()));
        Peer inbound = target.sw().peers().get(dialer.address.id()).orElseThrow();
        assertThat(inbound.isOutbound()).isFalse();
        assertThat(inbound.nodeInfo().moniker()).isEqualTo("go-two");
        await().atMost(Duration.ofSeconds(10)).until(() -> dialer.printed("PEER_ADDED id=" + target.sw().id().hex() + " outbound=true"));
    }

    @Test
    void messagesOfEveryEdgeSizeComeBackWholeAndInOrderOnTwoChannels() throws Exception {
        // ~31 MB each way: with the default 5.12 MB/s limit a loaded machine would need minutes;
        // go-peer runs with rate limits off, and so does this node
        GoPeer goPeer = go("-network", NETWORK, "-max-msg", String.valueOf(LIMIT));
        // go-peer echoes both channels at once, packet by packet, so two messages at the channel limit
        // are reassembled together: the reassembly budget must hold both (by default it holds one)
        JavaNode javaNode = java(NETWORK, null, ConnectedSwitches.testConfig().withConnection(
                MConnectionConfig.defaults().unlimited().withMaxReassemblyBytes(2L * LIMIT)));
        Peer peer = javaNode.sw().dial(goPeer.address).get(15, TimeUnit.SECONDS);
        int limitData = LIMIT - 1 - 4; // the BytesValue tag and 4-byte length take the rest of the limit
        int[] sizes = {1, 1023, 1024, 1025, 1 << 20, limitData};
        List<byte[]> sentSlow = new ArrayList<>();
        List<byte[]> sentFast = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < sizes.length; i++) {
                byte[] slow = bytesValue(random(sizes[i], round * 100 + i));
                byte[] fast = bytesValue(random(sizes[i], 1000 + round * 100 + i));
                assertThat(peer.send(SLOW, slow)).isTrue();
                assertThat(peer.send(FAST, fast)).isTrue();
                sentSlow.add(slow);
                sentFast.add(fast);
            }
        }
        for (int i = 0; i < 200; i++) { // many small ones in a row
            byte[] small = bytesValue(random(1 + i, 5000 + i));
            assertThat(peer.send(FAST, small)).isTrue();
            sentFast.add(small);
        }
        assertThat(bytesValue(new byte[limitData])).hasSize(LIMIT);
        await().atMost(Duration.ofSeconds(120)).until(() -> javaNode.echo().on(SLOW).size() == sentSlow.size()
                && javaNode.echo().on(FAST).size() == sentFast.size());
        assertThat(javaNode.echo().on(SLOW)).containsExactlyElementsOf(sentSlow);
        assertThat(javaNode.echo().on(FAST)).containsExactlyElementsOf(sentFast);
        assertThat(goPeer.ask("stats", "STATS")).contains("echoed=" + (sentSlow.size() + sentFast.size()))
                .contains("dropped=0");
    }

    @Test
    void pexWorksBothWays() throws Exception {
        PexConfig pex = PexConfig.defaults().withEnsurePeersPeriod(Duration.ofHours(1));
        // Java learns what Go knows: go2 dials go1, so go1's book holds go2; we ask go1
        GoPeer go1 = go("-network", NETWORK, "-moniker", "go1");
        GoPeer go2 = go("-network", NETWORK, "-moniker", "go2", "-persistent-peers", go1.address.toString());
        await().atMost(Duration.ofSeconds(15)).until(() -> go1.printed("PEER_ADDED id=" + go2.address.id().hex()));
        JavaNode asker = java(NETWORK, pex);
        asker.sw().dial(go1.address).get(15, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(15)).until(() -> asker.pex().book().hasAddress(go2.address.id()));

        // Go learns what Java knows: java2 dials java1, so java1's book holds java2; go3 asks java1
        JavaNode java1 = java(NETWORK, pex);
        JavaNode java2 = java(NETWORK, pex);
        java2.sw().dial(java1.sw().listenAddress()).get(15, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> java1.pex().book().hasAddress(java2.sw().id()));
        GoPeer go3 = go("-network", NETWORK, "-moniker", "go3", "-persistent-peers", java1.sw().listenAddress().toString());
        await().atMost(Duration.ofSeconds(20)).until(() -> go3.ask("addrbook", "ADDRBOOK").contains(java2.sw().id().hex()));
    }

    /** What CometBFT's NodeInfo check says, and its switch logs, when a peer is on another network. */
    static String goNetworkRefusal(String theirs, String ours) {
        return "incompatible: peer is on a different network. Got " + theirs + ", expected " + ours;
    }

    /** The Java switch's reason: an incompatible peer, naming both networks. */
    static boolean isJavaNetworkRefusal(Throwable error, String ours, String theirs) {
        return error instanceof HandshakeException h && h.reason() == HandshakeException.Reason.INCOMPATIBLE
                && h.getMessage().contains("network mismatch: ours \"" + ours + "\", theirs \"" + theirs + "\"");
    }

    @Test
    void wrongNetworkIsRefusedBothWaysWithTheReasonInEachLog() throws Exception {
        // Java dials Go: each side checks the other's NodeInfo and refuses it
        GoPeer goPeer = go("-network", NETWORK);
        JavaNode stranger = java("another-network", null);
        Throwable error = stranger.sw().dial(goPeer.address).handle((p, e) -> e).get(15, TimeUnit.SECONDS);
        assertThat(isJavaNetworkRefusal(error, "another-network", NETWORK)).as(String.valueOf(error)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> goPeer.output().stream()
                .anyMatch(l -> l.contains("Inbound Peer rejected") && l.contains(goNetworkRefusal("another-network", NETWORK))));
        assertThat(goPeer.printed("PEER_ADDED")).isFalse();

        // Go dials Java: the same both ways round, Go's refusal in its own log
        JavaNode ours = java(NETWORK, null);
        GoPeer foreign = go("-network", "go-network", "-persistent-peers", ours.sw().listenAddress().toString());
        await().atMost(Duration.ofSeconds(15)).until(() -> ours.refused().stream()
                .anyMatch(e -> isJavaNetworkRefusal(e, NETWORK, "go-network")));
        await().atMost(Duration.ofSeconds(15)).until(() -> foreign.printed(goNetworkRefusal(NETWORK, "go-network")));
        assertThat(ours.sw().peers().has(foreign.address.id())).isFalse();
        assertThat(foreign.printed("PEER_ADDED")).isFalse();
    }

    @Test
    void goPeerStopsCleanlyOnSigterm() throws Exception {
        GoPeer goPeer = go("-network", NETWORK);
        JavaNode javaNode = java(NETWORK, null);
        javaNode.sw().dial(goPeer.address).get(15, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> goPeer.printed("PEER_ADDED id=" + javaNode.sw().id().hex()));

        assertThat(goPeer.stop()).as("exit code after SIGTERM").isZero();
        assertThat(goPeer.output()).contains("STOPPED").noneMatch(l -> l.startsWith("go-peer:"));
        assertThat(goPeer.home.resolve("addrbook.json")).exists();
        await().atMost(Duration.ofSeconds(30)).until(() -> !javaNode.sw().peers().has(goPeer.address.id()));
    }

    @Test
    void aJavaNodeFindsGoPeersThroughAGoSeed() throws Exception {
        GoPeer seed = go("-network", NETWORK, "-seed-mode", "-moniker", "go-seed");
        List<GoPeer> goPeers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            goPeers.add(go("-network", NETWORK, "-moniker", "go-peer-" + i, "-seeds", seed.address.toString(),
                    "-ensure-peers-period", "1s"));
        }
        // the seed learns the Go peers as they ask it for addresses
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String book = seed.ask("addrbook", "ADDRBOOK");
            return goPeers.stream().filter(p -> book.contains(p.address.id().hex())).count() >= 2;
        });
        PexConfig pex = PexConfig.defaults().withEnsurePeersPeriod(Duration.ofMillis(500)).withMaxOutboundPeers(3)
                .withSeeds(List.of(seed.address));
        JavaNode javaNode = java(NETWORK, pex);
        await().atMost(Duration.ofSeconds(45)).until(() -> javaNode.sw().peers().list().stream()
                .filter(p -> goPeers.stream().anyMatch(g -> g.address.id().equals(p.id()))).count() >= 2);
    }
}
