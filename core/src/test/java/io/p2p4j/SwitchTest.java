package io.p2p4j;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.ChannelDescriptor;
import io.netty.channel.EventLoopGroup;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testing.TestSwitches;
import io.p2p4j.net.HandshakeException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The switch end to end, encrypted, as one contract every transport kind meets (gRPC's
 * AbstractTransportTest idea): {@link SwitchOverTcpTest} runs it over loopback TCP and
 * {@link SwitchInMemoryTest} over in-process channels. A test belongs here unless it is about
 * sockets themselves (IP addresses, raw bytes from a hostile peer, slow readers); those live in
 * the TCP subclass. Only the public Switch API is used.
 */
abstract class SwitchTest {
    static final byte CHAT = 0x42;
    /** The switches of each test, closed after it. */
    @RegisterExtension
    static final TestSwitches switches = new TestSwitches();

    /** The transport kind under test. */
    abstract TransportKind kind();

    /** An event loop group that suits {@link #kind()}, for switches that share one. */
    abstract EventLoopGroup newEventLoopGroup();

    /** A builder for a switch of the kind under test on the test network. */
    Switch.Builder builder(NodeKey key, P2pConfig config) {
        return Switch.builder(key, config).transport(kind()).network("test-chain");
    }

    /** Everything a test needs to know about one started switch. */
    record Node(Switch sw, RecordingReactor reactor, List<Throwable> refused) {}

    Node node(P2pConfig config, String network) {
        RecordingReactor reactor = new RecordingReactor(ChannelDescriptor.of(CHAT, 1));
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        Switch sw = switches.start(builder(NodeKey.generate(), config).network(network).reactor("chat", reactor)
                .listener(new SwitchListener() {
                    @Override
                    public void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) {
                        refused.add(reason);
                    }
                }));
        return new Node(sw, reactor, refused);
    }

    Node node() {
        return node(ConnectedSwitches.testConfig(), "test-chain");
    }

    static byte[] numbered(int i) {
        return ByteBuffer.allocate(8).putInt(i).putInt(~i).array();
    }

    @Test
    void reactorReceivesWhatAnOutboundPeerSendsInOrderOverAnEncryptedConnection() throws Exception {
        Node a = node();
        Node b = node();
        Peer toB = a.sw().dial(b.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.sw().peers().size() == 1);
        Peer toA = b.sw().peers().list().get(0);
        assertThat(toB.isOutbound()).isTrue();
        assertThat(toA.isOutbound()).isFalse();
        assertThat(toB.id()).isEqualTo(b.sw().id());
        assertThat(toA.id()).isEqualTo(a.sw().id());
        assertThat(toA.nodeInfo().network()).isEqualTo("test-chain");

        for (Peer peer : a.sw().peers().list()) {
            if (peer.isOutbound()) {
                assertThat(peer.send(CHAT, "Here's a message".getBytes(StandardCharsets.UTF_8))).isTrue();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> b.reactor().from(a.sw().id()).size() == 1);
        assertThat(new String(b.reactor().from(a.sw().id()).get(0), StandardCharsets.UTF_8)).isEqualTo("Here's a message");

        for (int i = 0; i < 10_000; i++) {
            assertThat(toB.send(CHAT, numbered(i))).isTrue();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> b.reactor().from(a.sw().id()).size() == 10_001);
        List<byte[]> got = b.reactor().from(a.sw().id());
        for (int i = 0; i < 10_000; i++) {
            assertThat(got.get(i + 1)).isEqualTo(numbered(i));
        }
        // and back, on the inbound side
        assertThat(toA.send(CHAT, numbered(7))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.reactor().from(b.sw().id()).size() == 1);
        assertThat(a.reactor().lifecycle(b.sw().id())).containsExactly("init", "add");
    }

    @Test
    void switchesCanShareEventLoopsAndClosingOneLeavesThemRunning() throws Exception {
        EventLoopGroup shared = newEventLoopGroup();
        // closed after the switches on it: the fixture closes newest first
        switches.closeAfterTest(() -> shared.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync());
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RecordingReactor reactor = new RecordingReactor(ChannelDescriptor.of(CHAT, 1));
            Switch sw = switches.start(builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                    .reactor("chat", reactor).eventLoops(shared));
            nodes.add(new Node(sw, reactor, List.of()));
        }
        Switch a = nodes.get(0).sw();
        Switch b = nodes.get(1).sw();
        Switch c = nodes.get(2).sw();
        a.dial(b.listenAddress()).get(10, TimeUnit.SECONDS);
        Peer aToC = a.dial(c.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> c.peers().size() == 1);

        b.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> a.peers().size() == 1);
        assertThat(shared.isShuttingDown()).isFalse();
        assertThat(aToC.send(CHAT, numbered(1))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get(2).reactor().from(a.id()).size() == 1);
        a.close();
        c.close();
        assertThat(shared.isShuttingDown()).isFalse();
    }

    @Test
    void incompatibleNetworkIsDroppedByBothSidesWithTheMismatchNamed() {
        Node a = node(ConnectedSwitches.testConfig(), "chain-a");
        Node b = node(ConnectedSwitches.testConfig(), "chain-b");
        CompletableFuture<Peer> dial = a.sw().dial(b.sw().listenAddress());
        assertThatThrownBy(() -> dial.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("network mismatch: ours \"chain-a\", theirs \"chain-b\"");
        await().atMost(Duration.ofSeconds(10)).until(() -> !b.refused().isEmpty());
        assertThat(b.refused().get(0)).hasMessageContaining("network mismatch: ours \"chain-b\", theirs \"chain-a\"");
        assertThat(a.sw().peers().size()).isZero();
        assertThat(b.sw().peers().size()).isZero();
    }

    @Test
    void aSwitchNeedsReactorsWithDistinctChannels() {
        assertThatThrownBy(() -> Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no reactor with a channel");
        assertThatThrownBy(() -> Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                .reactor("a", new RecordingReactor(ChannelDescriptor.of(CHAT, 1)))
                .reactor("b", new RecordingReactor(ChannelDescriptor.of(CHAT, 5))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claimed by two reactors");
    }

    @Test
    void dialingOurselvesIsRefused() {
        Node a = node();
        assertThatThrownBy(() -> a.sw().dial(a.sw().listenAddress()).get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(HandshakeException.class).hasMessageContaining("ourselves");
        assertThat(a.sw().peers().size()).isZero();
    }

    @Test
    void simultaneousMutualDialEndsWithExactlyOneConnection() throws Exception {
        for (int round = 0; round < 5; round++) {
            Node a = node();
            Node b = node();
            CountDownLatch go = new CountDownLatch(1);
            Thread t1 = Thread.ofVirtual().start(() -> {
                awaitLatch(go);
                a.sw().dial(b.sw().listenAddress());
            });
            Thread t2 = Thread.ofVirtual().start(() -> {
                awaitLatch(go);
                b.sw().dial(a.sw().listenAddress());
            });
            go.countDown();
            t1.join();
            t2.join();
            await().atMost(Duration.ofSeconds(10)).until(() -> a.sw().numPeers().dialing() == 0
                    && b.sw().numPeers().dialing() == 0 && a.sw().peers().size() == 1 && b.sw().peers().size() == 1);
            // both sides keep the same connection: one is outbound exactly where the other is inbound
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                List<Peer> pa = a.sw().peers().list();
                List<Peer> pb = b.sw().peers().list();
                return pa.size() == 1 && pb.size() == 1 && pa.get(0).isOutbound() != pb.get(0).isOutbound()
                        && pa.get(0).isRunning() && pb.get(0).isRunning();
            });
            Peer pa = a.sw().peers().list().get(0);
            assertThat(pa.send(CHAT, numbered(round))).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !b.reactor().from(a.sw().id()).isEmpty());
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void maxInboundIsEnforced() throws Exception {
        Node hub = node(ConnectedSwitches.testConfig().withMaxInboundPeers(2), "test-chain");
        List<Node> others = List.of(node(), node(), node());
        for (Node other : others.subList(0, 2)) {
            other.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().numPeers().inbound() == 2);
        others.get(2).sw().dial(hub.sw().listenAddress()).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.refused().stream()
                .anyMatch(e -> e.getMessage().contains("inbound peer limit of 2 reached")));
        await().atMost(Duration.ofSeconds(10)).until(() -> others.get(2).sw().peers().size() == 0);
        assertThat(hub.sw().numPeers().inbound()).isEqualTo(2);
    }

    @Test
    void unconditionalPeersPassAFullInboundLimit() throws Exception {
        Node vip = node();
        Node other = node();
        Node hub = node(ConnectedSwitches.testConfig().withMaxInboundPeers(0)
                .withUnconditionalPeerIds(java.util.Set.of(vip.sw().id().hex())), "test-chain");
        vip.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().has(vip.sw().id()));
        other.sw().dial(hub.sw().listenAddress()).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.refused().stream()
                .anyMatch(e -> e.getMessage().contains("inbound peer limit of 0 reached")));
        assertThat(hub.sw().peers().list()).extracting(Peer::id).containsExactly(vip.sw().id());
    }

    @Test
    void connectedSwitchesAreFullyConnectedAndTalk() {
        RecordingReactor[] reactors = new RecordingReactor[4];
        try (ConnectedSwitches net = ConnectedSwitches.create(4, kind(), (i, b) -> {
            reactors[i] = new RecordingReactor(ChannelDescriptor.of(CHAT, 1));
            b.network("test-chain").reactor("chat", reactors[i]);
        })) {
            for (int i = 0; i < 4; i++) {
                assertThat(net.get(i).peers().size()).as("peers of switch %d", i).isEqualTo(3);
            }
            net.get(0).broadcast(CHAT, numbered(7));
            await().atMost(Duration.ofSeconds(10)).until(() -> reactors[1].from(net.get(0).id()).size() == 1
                    && reactors[2].from(net.get(0).id()).size() == 1 && reactors[3].from(net.get(0).id()).size() == 1);
            assertThat(reactors[3].from(net.get(0).id()).get(0)).isEqualTo(numbered(7));
        }
    }

    @Test
    void aReactorThatThrowsStopsOnlyThatPeerWithTheExceptionAsReason() throws Exception {
        RecordingReactor recorder = new RecordingReactor(ChannelDescriptor.of((byte) 0x43, 1));
        RecordingReactor chat = new RecordingReactor(ChannelDescriptor.of(CHAT, 1)) {
            @Override
            public void receive(byte channelId, Peer peer, byte[] message) throws Exception {
                if (message.length == 1 && message[0] == 'X') {
                    throw new IllegalStateException("reactor rejects message X");
                }
                super.receive(channelId, peer, message);
            }
        };
        Switch hub = switches.start(builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                .reactor("chat", chat).reactor("recorder", recorder));
        Node bad = node();
        Node good = node();
        bad.sw().dial(hub.listenAddress()).get(10, TimeUnit.SECONDS);
        good.sw().dial(hub.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.peers().size() == 2);
        bad.sw().peers().list().get(0).send(CHAT, new byte[] {'X'});
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.removeReasons.containsKey(bad.sw().id()));
        assertThat(chat.removeReasons.get(bad.sw().id())).isInstanceOf(IllegalStateException.class)
                .hasMessage("reactor rejects message X");
        assertThat(chat.lifecycle(bad.sw().id())).containsExactly("init", "add", "remove");
        assertThat(recorder.lifecycle(bad.sw().id())).containsExactly("init", "add", "remove");
        assertThat(hub.peers().has(good.sw().id())).isTrue();
        good.sw().peers().list().get(0).send(CHAT, numbered(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.from(good.sw().id()).size() == 1);
    }

    @Test
    void aReactorThatBlocksDoesNotHoldUpOtherPeers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        NodeKey blockedKey = NodeKey.generate();
        RecordingReactor chat = new RecordingReactor(ChannelDescriptor.of(CHAT, 1)) {
            @Override
            public void receive(byte channelId, Peer peer, byte[] message) throws Exception {
                if (peer.id().equals(blockedKey.id())) {
                    release.await(60, TimeUnit.SECONDS); // blocks on everything from this peer
                }
                super.receive(channelId, peer, message);
            }
        };
        Switch hub = switches.start(builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                .reactor("chat", chat));
        Switch blocked = switches.start(builder(blockedKey, ConnectedSwitches.testConfig())
                .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))));
        Node other = node();
        blocked.dial(hub.listenAddress()).get(10, TimeUnit.SECONDS);
        other.sw().dial(hub.listenAddress()).get(10, TimeUnit.SECONDS);
        Peer fromBlocked = blocked.peers().list().get(0);
        for (int i = 0; i < 5; i++) {
            fromBlocked.send(CHAT, numbered(i));
        }
        Peer fromOther = other.sw().peers().list().get(0);
        for (int i = 0; i < 200; i++) {
            assertThat(fromOther.send(CHAT, numbered(i))).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.from(other.sw().id()).size() == 200);
        assertThat(chat.from(blockedKey.id())).isEmpty();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.from(blockedKey.id()).size() == 5);
    }

    @Test
    void persistentPeerKilledAndRestartedIsReconnected() throws Exception {
        P2pConfig fast = ConnectedSwitches.testConfig().withReconnect(new P2pConfig.ReconnectPolicy(
                Duration.ofMillis(200), Duration.ofMillis(100), 5, Duration.ofMillis(1500), 3));
        Node a = node(fast, "test-chain");
        NodeKey keyB = NodeKey.generate();
        Switch b = switches.start(builder(keyB, fast)
                .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))));
        NetAddress addressB = b.listenAddress();
        a.sw().addPersistentPeers(List.of(addressB));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sw().peers().has(keyB.id()));
        b.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.sw().peers().has(keyB.id()));
        Switch restarted = switches.start(builder(keyB, fast.withListen("tcp://127.0.0.1:" + addressB.port()))
                .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sw().peers().has(keyB.id()));
        assertThat(a.sw().peers().get(keyB.id()).orElseThrow().isPersistent()).isTrue();
        assertThat(a.sw().peers().size()).isEqualTo(1);
    }

    @Test
    void aConnectedPeerMadePersistentIsRedialedWhenTheRemoteDropsIt() throws Exception {
        P2pConfig fast = ConnectedSwitches.testConfig().withReconnect(new P2pConfig.ReconnectPolicy(
                Duration.ofMillis(200), Duration.ofMillis(100), 5, Duration.ofMillis(1500), 3));
        Node a = node(fast, "test-chain");
        Node b = node(fast, "test-chain");
        Peer first = a.sw().dial(b.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        assertThat(first.isPersistent()).isFalse();
        a.sw().addPersistentPeers(List.of(b.sw().listenAddress()));
        assertThat(first.isPersistent()).as("persistent from the call on").isTrue();
        assertThat(a.refused()).as("no dial of a connected peer, so no duplicate").isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> b.sw().peers().has(a.sw().id()));
        b.sw().stopPeerForError(b.sw().peers().get(a.sw().id()).orElseThrow(), new IllegalStateException("dropped by the test"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sw().peers().get(b.sw().id()).filter(p -> p != first).isPresent());
        Peer second = a.sw().peers().get(b.sw().id()).orElseThrow();
        assertThat(second.isOutbound()).isTrue();
        assertThat(second.isPersistent()).isTrue();
        assertThat(a.sw().peers().size()).isEqualTo(1);
    }

    /**
     * CometBFT's reconnectToPeer dials once at once, and waits the interval (5 s and jitter by
     * default) only between failed attempts: a persistent peer that merely dropped is back at once.
     */
    @Test
    void aPersistentPeerThatDroppedIsRedialedAtOnceNotAfterTheInterval() throws Exception {
        P2pConfig cometBft = ConnectedSwitches.testConfig().withReconnect(P2pConfig.ReconnectPolicy.defaults());
        Node a = node(cometBft, "test-chain");
        Node b = node(cometBft, "test-chain");
        a.sw().addPersistentPeers(List.of(b.sw().listenAddress()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.sw().peers().has(a.sw().id()));
        Peer first = a.sw().peers().get(b.sw().id()).orElseThrow();
        b.sw().stopPeerForError(b.sw().peers().get(a.sw().id()).orElseThrow(), new IllegalStateException("test drop"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.sw().peers().get(b.sw().id()).map(p -> p != first).orElse(false)
                || !a.sw().peers().has(b.sw().id()));
        long dropped = System.nanoTime();
        await().atMost(Duration.ofSeconds(4)).until(() -> a.sw().peers().get(b.sw().id()).map(p -> p != first).orElse(false));
        assertThat(Duration.ofNanos(System.nanoTime() - dropped))
                .as("back well before the 5 s interval").isLessThan(Duration.ofSeconds(4));
    }
}
