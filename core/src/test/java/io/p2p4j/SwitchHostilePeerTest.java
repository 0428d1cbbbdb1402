package io.p2p4j;

import io.p2p4j.transport.NodeInfoProto;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.ChannelStatus;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testing.TestSwitches;
import io.p2p4j.testkit.HostilePeer;
import io.p2p4j.net.HandshakeException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The NodeInfo, transport, switch and reactor scenarios of hostile-peers.md (22, 23, 25, 29, 30, 33, 34, 35). */
class SwitchHostilePeerTest {
    static final byte CHAT = 0x42;
    /** The switches and hostile peers of each test, closed after it; the hostile peers' event loops. */
    @RegisterExtension
    static final TestSwitches switches = new TestSwitches();

    record Node(Switch sw, RecordingReactor reactor, List<Throwable> refused, List<String> added) {}

    Node node(P2pConfig config, UnaryOperator<Switch.Builder> customize, Reactor... extra) {
        RecordingReactor reactor = new RecordingReactor(ChannelDescriptor.builder(CHAT).sendQueueCapacity(4).build());
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        List<String> added = new CopyOnWriteArrayList<>();
        Switch.Builder builder = Switch.builder(NodeKey.generate(), config).network("test-chain").reactor("chat", reactor)
                .listener(new SwitchListener() {
                    @Override
                    public void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) {
                        refused.add(reason);
                    }

                    @Override
                    public void peerAdded(Peer peer) {
                        added.add(peer.id().hex());
                    }
                });
        for (int i = 0; i < extra.length; i++) {
            builder.reactor("extra" + i, extra[i]);
        }
        Switch sw = switches.start(customize.apply(builder));
        return new Node(sw, reactor, refused, added);
    }

    Node node() {
        return node(ConnectedSwitches.testConfig(), b -> b);
    }

    static NodeInfo validInfo(NodeKey key) {
        return NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {CHAT}, "hostile");
    }

    static NodeInfo with(NodeInfo n, String field, Object value) {
        return switch (field) {
            case "channels" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    (byte[]) value, n.moniker(), n.txIndex(), n.rpcAddress());
            case "moniker" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    n.channels(), (String) value, n.txIndex(), n.rpcAddress());
            case "txIndex" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    n.channels(), n.moniker(), (String) value, n.rpcAddress());
            case "rpc" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    n.channels(), n.moniker(), n.txIndex(), (String) value);
            case "listen" -> new NodeInfo(n.protocolVersion(), n.id(), (String) value, n.network(), n.version(),
                    n.channels(), n.moniker(), n.txIndex(), n.rpcAddress());
            case "network" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), (String) value, n.version(),
                    n.channels(), n.moniker(), n.txIndex(), n.rpcAddress());
            case "block" -> new NodeInfo(new NodeInfo.ProtocolVersion(8, (Long) value, 0), n.id(), n.listenAddr(),
                    n.network(), n.version(), n.channels(), n.moniker(), n.txIndex(), n.rpcAddress());
            case "id" -> new NodeInfo(n.protocolVersion(), (NodeId) value, n.listenAddr(), n.network(), n.version(),
                    n.channels(), n.moniker(), n.txIndex(), n.rpcAddress());
            default -> throw new IllegalArgumentException(field);
        };
    }

    @Test
    void scenario22_hostileNodeInfoIsRejectedWithItsReason() throws Exception {
        Node hub = node();
        byte[] seventeen = new byte[17];
        for (int i = 0; i < 17; i++) {
            seventeen[i] = (byte) (0x42 + i);
        }
        Object[][] cases = {
                {"channels", seventeen, "17 channels, more than the maximum of 16"},
                {"channels", new byte[] {CHAT, CHAT}, "listed twice"},
                {"moniker", "", "moniker"},
                {"moniker", "caf\u00e9", "moniker"},
                {"txIndex", "maybe", "tx_index \"maybe\""},
                {"rpc", "tcp://1.2.3.4:1\t", "rpc_address"},
                {"listen", "not an address", "invalid listen address"},
                {"network", "other-chain", "network mismatch"},
                {"block", 12L, "block protocol mismatch"},
                {"channels", new byte[] {0x10}, "no common channel"},
                {"id", NodeKey.generate().id(), "is not the authenticated id"},
        };
        for (Object[] c : cases) {
            NodeKey key = NodeKey.generate();
            int before = hub.refused().size();
            try (HostilePeer peer = HostilePeer.connect(switches.eventLoops(), hub.sw().listenAddress(), key, true)) {
                peer.sendNodeInfo(with(validInfo(key), (String) c[0], c[1]));
                await().atMost(Duration.ofSeconds(10)).until(() -> hub.refused().size() > before);
                assertThat(hub.refused().get(before)).as("case %s", c[2]).isInstanceOf(HandshakeException.class)
                        .hasMessageContaining((String) c[2]);
                await().atMost(Duration.ofSeconds(5)).until(() -> !peer.isOpen());
            }
        }
        // the oversize prefix is refused from the prefix alone: nothing of the claimed size is read
        NodeKey key = NodeKey.generate();
        int before = hub.refused().size();
        try (HostilePeer peer = HostilePeer.connect(switches.eventLoops(), hub.sw().listenAddress(), key, true)) {
            peer.send(new byte[] {(byte) 0x81, 0x50}); // 10241
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.refused().size() > before);
            assertThat(hub.refused().get(before)).hasMessageContaining("NodeInfo of 10241 bytes over the maximum of 10240");
        }
        // exactly 10,240 bytes, otherwise valid, is accepted
        NodeKey bigKey = NodeKey.generate();
        NodeInfo big = validInfo(bigKey);
        int monikerLength = big.moniker().length();
        while (NodeInfoProto.toProto(big).getSerializedSize() < 10240) {
            big = with(big, "moniker", "m".repeat(++monikerLength));
        }
        assertThat(NodeInfoProto.toProto(big).getSerializedSize()).isEqualTo(10240);
        try (HostilePeer peer = HostilePeer.connect(switches.eventLoops(), hub.sw().listenAddress(), bigKey, true)) {
            peer.sendNodeInfo(big);
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().has(bigKey.id()));
        }
        assertThat(hub.added()).containsExactly(bigKey.id().hex());
    }

    /**
     * Waits until both ends of a self-dial that got as far as the handshake have refused it: one
     * as ourselves, the other either so too or, when the first end closed the connection before
     * the second finished its own checks (the handshake's crypto runs off the event loop, so
     * either end may finish first), as a closed connection.
     */
    static int refusedOnBothEnds(Node node, int before) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<Throwable> refusals = node.refused().stream().skip(before).toList();
            long self = refusals.stream()
                    .filter(e -> e instanceof HandshakeException h && h.reason() == HandshakeException.Reason.SELF).count();
            return self >= 1 && refusals.size() >= 2;
        });
        return node.refused().size();
    }

    @Test
    void scenario23_selfDialIsRefusedAndNotRetried() throws Exception {
        P2pConfig config = ConnectedSwitches.testConfig().withReconnect(new P2pConfig.ReconnectPolicy(
                Duration.ofMillis(100), Duration.ofMillis(10), 3, Duration.ofMillis(200), 2))
                .withExternalAddress("127.0.0.5:1"); // advertised, nothing listens there: refused before any dial
        Node a = node(config.withListen("tcp://0.0.0.0:0"), b -> b);
        NetAddress self = a.sw().listenAddress();
        // our id; the configured external address; a 127.0.0.2 alias under another id, which only
        // the handshake can tell (the key that answers is ours)
        List<NetAddress> attempts = List.of(self, new NetAddress(NodeKey.generate().id(), "127.0.0.5", 1),
                new NetAddress(NodeKey.generate().id(), "127.0.0.2", self.port()));
        for (NetAddress address : attempts) {
            Throwable error = a.sw().dial(address).handle((p, e) -> e).get(10, TimeUnit.SECONDS);
            assertThat(error).as(address.toString()).isInstanceOf(HandshakeException.class);
            assertThat(((HandshakeException) error).reason()).isEqualTo(HandshakeException.Reason.SELF);
        }
        // remembered: the alias is refused again before any connection (the inbound side refuses nothing)
        int beforeAgain = refusedOnBothEnds(a, 0);
        Throwable again = a.sw().dial(new NetAddress(NodeKey.generate().id(), "127.0.0.2", self.port()))
                .handle((p, e) -> e).get(10, TimeUnit.SECONDS);
        assertThat(again).hasMessageContaining("refusing to dial ourselves");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> a.refused().size() == beforeAgain);

        // as a persistent peer at an alias not yet known as ours: one handshake finds out, and no
        // reconnect loop follows (with these settings a loop would redial about every 200 ms)
        NetAddress persistentSelf = new NetAddress(NodeKey.generate().id(), "127.0.0.3", self.port());
        int before = a.refused().size();
        a.sw().addPersistentPeers(List.of(persistentSelf));
        int settled = refusedOnBothEnds(a, before);
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.sw().isDialing(persistentSelf.id()));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> a.refused().size() == settled && !a.sw().isDialing(persistentSelf.id()));
        assertThat(a.sw().peers().size()).isZero();
    }

    @Test
    void scenario25_connectionAndPeerFiltersThatHangOrThrow() throws Exception {
        P2pConfig config = ConnectedSwitches.testConfig().withFilterTimeout(Duration.ofMillis(200));
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger mode = new AtomicInteger();
        AtomicInteger hungFiltersReleased = new AtomicInteger();
        Node hub = node(config, b -> b
                .connectionFilter(remote -> {
                    if (mode.get() == 1) {
                        try {
                            never.await(); // hangs until the timeout interrupts it
                        } finally {
                            hungFiltersReleased.incrementAndGet();
                        }
                    }
                    if (mode.get() == 2) {
                        throw new IllegalStateException("connection filter says no");
                    }
                })
                .peerFilter((id, info) -> {
                    if (mode.get() == 3) {
                        try {
                            never.await();
                        } finally {
                            hungFiltersReleased.incrementAndGet();
                        }
                    }
                    if (mode.get() == 4) {
                        throw new IllegalStateException("peer filter says no");
                    }
                }));
        String[] expected = {null, "filter timeout", "connection filter says no", "filter timeout", "peer filter says no"};
        for (int m = 1; m <= 4; m++) {
            mode.set(m);
            Node dialer = node();
            int before = hub.refused().size();
            dialer.sw().dial(hub.sw().listenAddress()).handle((p, e) -> null).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.refused().size() > before);
            Throwable reason = hub.refused().get(before);
            assertThat(reason).as("mode %d", m).hasMessageContaining(expected[m]);
            if (m == 2 || m == 4) {
                assertThat(reason.getCause()).hasMessageContaining("says no");
            }
            assertThat(hub.sw().peers().size()).isZero();
            if (m == 1 || m == 3) {
                // the hung check is interrupted, not left holding its thread until the switch closes
                int released = m == 1 ? 1 : 2;
                await().atMost(Duration.ofSeconds(10)).until(() -> hungFiltersReleased.get() == released);
            }
        }
        // the accept loop still serves others
        mode.set(0);
        Node ok = node();
        ok.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().size() == 1);
        long start = System.nanoTime();
        hub.sw().close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void scenario29_lifecycleOrderWhenAddPeerThrowsOrThePeerFailsDuringSetup() throws Exception {
        RecordingReactor throwsInAdd = new RecordingReactor(ChannelDescriptor.of((byte) 0x50, 1)) {
            @Override
            public void addPeer(Peer peer) {
                super.addPeer(peer);
                throw new IllegalStateException("addPeer refuses");
            }
        };
        Node hub = node(ConnectedSwitches.testConfig(), b -> b, throwsInAdd);
        Node dialer = node();
        dialer.sw().dial(hub.sw().listenAddress()).handle((p, e) -> null).get(10, TimeUnit.SECONDS);
        NodeId id = dialer.sw().id();
        await().atMost(Duration.ofSeconds(10)).until(() -> throwsInAdd.lifecycle(id).contains("remove"));
        assertThat(throwsInAdd.lifecycle(id)).containsExactly("init", "add", "remove");
        assertThat(hub.reactor().lifecycle(id)).containsExactly("init", "add", "remove");
        assertThat(hub.sw().peers().has(id)).isFalse();
        assertThat(throwsInAdd.removeReasons.get(id)).hasMessage("addPeer refuses");

        // a peer whose connection fails between initPeer and addPeer
        CountDownLatch inInit = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        RecordingReactor slowInit = new RecordingReactor(ChannelDescriptor.of((byte) 0x51, 1)) {
            @Override
            public void initPeer(Peer peer) {
                super.initPeer(peer);
                inInit.countDown();
                try {
                    closed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Node hub2 = node(ConnectedSwitches.testConfig(), b -> b, slowInit);
        NodeKey key = NodeKey.generate();
        HostilePeer peer = HostilePeer.connect(switches.eventLoops(), hub2.sw().listenAddress(), key, true);
        peer.sendNodeInfo(validInfo(key));
        assertThat(inInit.await(10, TimeUnit.SECONDS)).isTrue();
        peer.close();
        closed.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> slowInit.lifecycle(key.id()).contains("remove"));
        // the close may or may not be seen before addPeer; either way the order holds, each call once
        assertThat(slowInit.lifecycle(key.id())).isIn(List.of("init", "remove"), List.of("init", "add", "remove"));
        assertThat(hub2.reactor().lifecycle(key.id())).isIn(List.of("init", "remove"), List.of("init", "add", "remove"));
        assertThat(hub2.sw().peers().has(key.id())).isFalse();
    }

    @Test
    void scenario30_aReactorThatBlocksForeverIsContained() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        NodeKey blockedKey = NodeKey.generate();
        RecordingReactor blocking = new RecordingReactor(ChannelDescriptor.builder((byte) 0x52).sendQueueCapacity(8).build()) {
            @Override
            public void receive(byte channelId, Peer peer, byte[] message) throws Exception {
                if (peer.id().equals(blockedKey.id())) {
                    entered.incrementAndGet();
                    never.await();
                }
                super.receive(channelId, peer, message);
            }
        };
        P2pConfig config = ConnectedSwitches.testConfig().withMailboxBytes(256 * 1024);
        Node hub = node(config, b -> b, blocking);
        Switch p = Switch.builder(blockedKey, ConnectedSwitches.testConfig()).network("test-chain")
                .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1)))
                .reactor("extra0", new RecordingReactor(ChannelDescriptor.builder((byte) 0x52).sendQueueCapacity(8).build()))
                .build();
        p.start();
        Node q = node(ConnectedSwitches.testConfig(), b -> b,
                new RecordingReactor(ChannelDescriptor.builder((byte) 0x52).sendQueueCapacity(8).build()));
        p.dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        q.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        Peer fromP = p.peers().list().get(0);
        Thread flood = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 400 && fromP.isRunning(); i++) {
                fromP.send((byte) 0x52, new byte[16 * 1024]);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> entered.get() == 1);
        Peer pAtHub = hub.sw().peers().get(blockedKey.id()).orElseThrow();
        // P's mailbox stops near its bound and reading from P pauses
        await().atMost(Duration.ofSeconds(20)).until(() -> pAtHub.status().mailboxBytes() > 256 * 1024);
        // the rest of the read in progress when the bound was reached still arrives; then it stops
        long[] previous = {-1};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
            long now = pAtHub.status().mailboxBytes();
            boolean stable = now == previous[0];
            previous[0] = now;
            return stable;
        });
        long held = pAtHub.status().mailboxBytes();
        // the bound, plus what that read still carried (one read buffer and a message)
        assertThat(held).isGreaterThan(256 * 1024).isLessThanOrEqualTo(256 * 1024 + 64 * 1024 + 16 * 1024);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> pAtHub.status().mailboxBytes() == held);
        // Q is served meanwhile
        Peer fromQ = q.sw().peers().list().get(0);
        for (int i = 0; i < 50; i++) {
            assertThat(fromQ.send(CHAT, new byte[] {(byte) i})).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.reactor().from(q.sw().id()).size() == 50);
        // the diagnostic names the blocked reactor and peer
        assertThat(hub.sw().busyReactors()).anySatisfy(busy -> {
            assertThat(busy.reactor()).isEqualTo("extra0");
            assertThat(busy.peer()).isEqualTo(blockedKey.id());
        });
        long start = System.nanoTime();
        hub.sw().close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        p.close();
        flood.join(Duration.ofSeconds(15));
    }

    @Test
    void scenario33_stoppingAPeerWhileSendsAreBlocked() throws Exception {
        Node hub = node(ConnectedSwitches.testConfig().withConnection(
                MConnectionConfig.defaults().unlimited().withSendTimeout(Duration.ofSeconds(30))), b -> b);
        NodeKey key = NodeKey.generate();
        HostilePeer stalled = switches.closeAfterTest(
                HostilePeer.connect(switches.eventLoops(), hub.sw().listenAddress(), key, true));
        stalled.sendNodeInfo(validInfo(key));
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().has(key.id()));
        stalled.stopReading();
        Peer peer = hub.sw().peers().get(key.id()).orElseThrow();
        // fill everything between us and the stalled reader: the queue full, refilled at each poll,
        // and nothing more sent for a second (until the socket is full the writer still takes from it)
        long[] lastSent = {-1};
        await().atMost(Duration.ofSeconds(30)).during(Duration.ofSeconds(1)).until(() -> {
            peer.trySend(CHAT, new byte[64 * 1024]);
            ChannelStatus chat = peer.status().connection().channel(CHAT);
            boolean stuck = chat.sendQueueSize() == 4 && chat.bytesSent() == lastSent[0];
            lastSent[0] = chat.bytesSent();
            return stuck;
        });
        int senders = 1000;
        CountDownLatch started = new CountDownLatch(senders);
        CountDownLatch returned = new CountDownLatch(senders);
        AtomicInteger falses = new AtomicInteger();
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        for (int i = 0; i < senders; i++) {
            Thread.ofVirtual().start(() -> {
                started.countDown();
                try {
                    if (!peer.send(CHAT, new byte[1024])) {
                        falses.incrementAndGet();
                    }
                } catch (Throwable t) {
                    thrown.add(t);
                } finally {
                    returned.countDown();
                }
            });
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        // all of them are stuck in send: the queue stays full and the send timeout is 30 s
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> returned.getCount() == senders);
        long start = System.nanoTime();
        hub.sw().stopPeerForError(peer, new IllegalStateException("stopped by the test"));
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        // the scenario asks for 100 ms; the bound leaves room for a loaded machine and is still 15x
        // shorter than the send timeout the senders would otherwise wait out
        assertThat(tookMs).isLessThan(2_000);
        assertThat(thrown).isEmpty();
        assertThat(falses.get()).isEqualTo(senders);
        assertThat(peer.trySend(CHAT, new byte[1])).isFalse();
        assertThat(hub.reactor().lifecycle(key.id())).containsExactly("init", "add", "remove");
    }

    @Test
    void scenario34_broadcastWithAStalledPeer() throws Exception {
        // a send timeout long enough that a healthy peer on a busy 2-core machine is never taken for stalled
        P2pConfig config = ConnectedSwitches.testConfig().withConnection(
                MConnectionConfig.defaults().unlimited().withSendTimeout(Duration.ofSeconds(5)));
        Node hub = node(config, b -> b);
        List<Node> healthy = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            Node n = node(config, b -> b); // no receive rate limit either: 64 MB each at 5 MB/s would take 13 s
            n.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
            healthy.add(n);
        }
        NodeKey key = NodeKey.generate();
        HostilePeer stalled = switches.closeAfterTest(
                HostilePeer.connect(switches.eventLoops(), hub.sw().listenAddress(), key, true));
        stalled.sendNodeInfo(validInfo(key));
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().size() == 10);
        stalled.stopReading();
        PacedRun run = broadcastPaced(hub, healthy, 0, 1000, 64 * 1024);
        System.out.printf("1000 broadcasts of 64 KiB to 9 healthy peers and a stalled one: %d ms%n", run.elapsedMs());
        // the caller never waits for a full queue: far below the send timeout, however loaded the machine
        assertThat(run.worstCallMs()).isLessThanOrEqualTo(5_500);
        assertAllInOrder(hub, healthy, 0, 1000);
        assertThat(healthy).allSatisfy(n -> assertThat(run.droppedFor(n.sw().id())).isZero());
        // what waits for the stalled peer is its short queue and the buffers of its connection, not a task per message
        assertThat(run.droppedFor(key.id())).isGreaterThan(1000 - 250);
        assertThat(hub.sw().peers().has(key.id())).isTrue();
    }

    @Test
    void scenario35_persistentPeersReconnectInBothDirectionsAndBypassTheInboundLimit() throws Exception {
        P2pConfig fast = ConnectedSwitches.testConfig().withReconnect(new P2pConfig.ReconnectPolicy(
                Duration.ofMillis(200), Duration.ofMillis(100), 5, Duration.ofMillis(1500), 3));
        NodeKey keyA = NodeKey.generate();
        NodeKey keyB = NodeKey.generate();
        Switch a = switches.start(Switch.builder(keyA, fast.withMaxInboundPeers(0)).network("test-chain")
                .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))));
        Switch b = switches.start(Switch.builder(keyB, fast).network("test-chain")
                .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))));
        NetAddress addressB = b.listenAddress();
        a.addPersistentPeers(List.of(addressB));
        b.addPersistentPeers(List.of(a.listenAddress()));
        Switch first = b;
        await().atMost(Duration.ofSeconds(10)).until(() -> a.peers().has(keyB.id()) && first.peers().has(keyA.id()));
        for (int round = 0; round < 2; round++) {
            b.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.peers().has(keyB.id()));
            // round 0: B is back at its address and A redials it; round 1: B is back elsewhere, so
            // A's redials fail and only B's own dial can connect them (inbound at A, whose limit is 0)
            P2pConfig listen = round == 0 ? fast.withListen("tcp://127.0.0.1:" + addressB.port()) : fast;
            for (int attempt = 0; attempt < 5; attempt++) {
                b = switches.start(Switch.builder(keyB, listen).network("test-chain")
                        .reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))));
                if (round == 0 || b.listenAddress().port() != addressB.port()) {
                    break;
                }
                b.close(); // port 0 gave the old port back: A's redial would reach it
            }
            if (round == 1) {
                assertThat(b.listenAddress().port()).isNotEqualTo(addressB.port());
                b.addPersistentPeers(List.of(a.listenAddress()));
            }
            Switch current = b;
            await().atMost(Duration.ofSeconds(10)).until(() -> a.peers().has(keyB.id()) && current.peers().has(keyA.id()));
            assertThat(a.peers().get(keyB.id()).orElseThrow().isOutbound()).as("round %d", round).isEqualTo(round == 0);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
                    .until(() -> a.peers().size() == 1 && current.peers().size() == 1);
        }
        b.close();
    }

    @Test
    void scenario18a_aPeerAuthenticatingAsAnotherKeyThanDialedIsRefused() throws Exception {
        Node hub = node();
        Node dialer = node();
        NodeId wrong = NodeKey.generate().id();
        NetAddress address = new NetAddress(wrong, hub.sw().listenAddress().host(), hub.sw().listenAddress().port());
        Throwable error = dialer.sw().dial(address).handle((p, e) -> e).get(10, TimeUnit.SECONDS);
        assertThat(error).isInstanceOf(HandshakeException.class)
                .hasMessage("dialed " + wrong + " but peer authenticated as " + hub.sw().id());
        assertThat(((HandshakeException) error).reason()).isEqualTo(HandshakeException.Reason.WRONG_ID);
        assertThat(dialer.sw().peers().size()).isZero();
    }

    @Test
    void aStalledPeerCostsTheHealthyPeersOfABroadcastNoTime() throws Exception {
        // issue 16: 300 broadcasts of 32 KiB at CometBFT's default rates, with and without a stalled third peer
        Node hub = node();
        List<Node> healthy = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Node n = node();
            n.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
            healthy.add(n);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().size() == 2);
        PacedRun alone = broadcastPaced(hub, healthy, 0, 300, 32 * 1024);
        assertAllInOrder(hub, healthy, 0, 300);

        NodeKey key = NodeKey.generate();
        HostilePeer stalled = switches.closeAfterTest(
                HostilePeer.connect(switches.eventLoops(), hub.sw().listenAddress(), key, true));
        stalled.sendNodeInfo(validInfo(key));
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().size() == 3);
        stalled.stopReading();
        PacedRun withStalled = broadcastPaced(hub, healthy, 300, 300, 32 * 1024);
        assertAllInOrder(hub, healthy, 300, 300);
        assertThat(healthy).allSatisfy(n -> assertThat(withStalled.droppedFor(n.sw().id())).isZero());
        assertThat(withStalled.droppedFor(key.id())).as("copies dropped for the stalled peer").isPositive();
        System.out.printf("300 broadcasts of 32 KiB: %d ms to two reading peers, %d ms with a stalled third%n",
                alone.elapsedMs(), withStalled.elapsedMs());
        // the stalled peer's send timeout is 10 s: waiting on it even once would break this bound
        assertThat(withStalled.elapsedMs()).isLessThan(3 * alone.elapsedMs());
    }

    /** What a paced broadcast run measured: how long it took, its slowest call, every result. */
    record PacedRun(long elapsedMs, long worstCallMs, List<BroadcastResult> results) {
        long droppedFor(NodeId id) {
            return results.stream().filter(r -> r.dropped().stream().anyMatch(p -> p.id().equals(id))).count();
        }
    }

    /**
     * Broadcasts {@code count} messages numbered from {@code first}, never more than 8 ahead of
     * the slowest healthy peer: a broadcast no longer waits for room, so a caller that wants every
     * healthy peer to get every message paces itself, and 8 is half a peer's broadcast queue. The
     * healthy peers must have no messages of the hub's left unpaced when it starts.
     */
    static PacedRun broadcastPaced(Node hub, List<Node> healthy, int first, int count, int size)
            throws InterruptedException {
        int window = 8;
        List<BroadcastResult> results = new ArrayList<>();
        long worstCallMs = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (i >= window) {
                for (Node n : healthy) { // message i - window has arrived
                    assertThat(n.reactor().arrivals.tryAcquire(30, TimeUnit.SECONDS)).as("message %d arrived", i - window)
                            .isTrue();
                }
            }
            byte[] msg = new byte[size];
            java.nio.ByteBuffer.wrap(msg).putInt(first + i);
            long callStart = System.nanoTime();
            results.add(hub.sw().broadcast(CHAT, msg));
            worstCallMs = Math.max(worstCallMs, (System.nanoTime() - callStart) / 1_000_000);
        }
        for (Node n : healthy) {
            assertThat(n.reactor().arrivals.tryAcquire(Math.min(window, count), 60, TimeUnit.SECONDS)).isTrue();
        }
        return new PacedRun((System.nanoTime() - start) / 1_000_000, worstCallMs, results);
    }

    static void assertAllInOrder(Node hub, List<Node> healthy, int first, int count) {
        for (Node n : healthy) {
            List<byte[]> got = n.reactor().from(hub.sw().id());
            assertThat(got).hasSize(first + count);
            for (int i = first; i < first + count; i++) {
                assertThat(java.nio.ByteBuffer.wrap(got.get(i)).getInt()).isEqualTo(i);
            }
        }
    }

    @Test
    void theInMemoryTransportRunsTheSameSwitch() {
        RecordingReactor[] reactors = new RecordingReactor[3];
        try (ConnectedSwitches net = ConnectedSwitches.create(3, io.p2p4j.net.TransportKind.IN_MEMORY, (i, b) -> {
            reactors[i] = new RecordingReactor(ChannelDescriptor.of(CHAT, 1));
            b.network("test-chain").reactor("chat", reactors[i]);
        })) {
            net.get(0).broadcast(CHAT, new byte[] {42});
            await().atMost(Duration.ofSeconds(10)).until(() -> reactors[1].from(net.get(0).id()).size() == 1
                    && reactors[2].from(net.get(0).id()).size() == 1);
            assertThat(net.get(1).peers().size()).isEqualTo(2);
        }
    }
}
