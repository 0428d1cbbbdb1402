package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testing.TestSwitches;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A peer's way from admission to stopped, and the switch's own start and close, at their races. */
class SwitchLifecycleTest {
    static final byte CHAT = 0x42;
    /** The switches of each test, closed after it, on event loops the tests share. */
    @RegisterExtension
    static final TestSwitches switches = new TestSwitches();

    /** A recording reactor that also records its own stop, as a peer's "stop" event under our id. */
    static final class StopRecordingReactor extends RecordingReactor {
        private final NodeId self;

        StopRecordingReactor(NodeId self) {
            super(ChannelDescriptor.of(CHAT, 1));
            this.self = self;
        }

        @Override
        public void onStop() {
            events.add(new Event("stop", self));
        }
    }

    /** {@code listened}: peers added and removed as listeners heard it; {@code refused}: connections refused. */
    record Node(Switch sw, RecordingReactor reactor, List<String> listened, List<Throwable> refused) {}

    Node node(Reactor... extra) {
        NodeKey key = NodeKey.generate();
        RecordingReactor reactor = new StopRecordingReactor(key.id());
        List<String> listened = new CopyOnWriteArrayList<>();
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        Switch.Builder builder = Switch.builder(key, ConnectedSwitches.testConfig()).network("test-chain")
                .eventLoops(switches.eventLoops()).reactor("chat", reactor)
                .listener(new SwitchListener() {
                    @Override
                    public void peerAdded(Peer peer) {
                        listened.add("added " + peer.id());
                    }

                    @Override
                    public void peerRemoved(Peer peer, Throwable reason) {
                        listened.add("removed " + peer.id());
                    }

                    @Override
                    public void connectionRefused(java.net.SocketAddress remote, Direction direction, Throwable reason) {
                        refused.add(reason);
                    }
                });
        for (int i = 0; i < extra.length; i++) {
            builder.reactor("extra" + i, extra[i]);
        }
        Switch sw = switches.start(builder);
        return new Node(sw, reactor, listened, refused);
    }

    /**
     * A peer stopped (its connection failed) while it is being started, after the start decided
     * it may join the peer set: once the stop is over, the peer is in no set and not counted.
     */
    @Test
    void aPeerStoppedWhileItStartsIsNotLeftInThePeerSet() throws Exception {
        Node a = node();
        Node b = node();
        AtomicBoolean once = new AtomicBoolean(true);
        a.sw().lifecycle.beforePeerSetAdd = peer -> {
            if (!once.getAndSet(false)) {
                return;
            }
            Thread.ofVirtual().start(() -> a.sw().stopPeerForError(peer, new IOException("connection reset (test)")));
            // the stop has done all it does before it waits for the start to finish
            await().atMost(Duration.ofSeconds(10)).until(peer.lifecycle::hasQueuedThreads);
        };
        a.sw().dial(b.sw().listenAddress()).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.reactor().lifecycle(b.sw().id()).contains("remove"));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.listened().contains("removed " + b.sw().id()));
        assertThat(a.sw().peers().size()).isZero();
        assertThat(a.sw().numPeers().outbound()).isZero();
        assertThat(a.sw().peers().has(b.sw().id())).isFalse();
    }

    /** A peer that never ran (a reactor refused it in initPeer) is never reported removed to listeners. */
    @Test
    void listenersHearOfRemovalOnlyForPeersTheyHeardWereAdded() throws Exception {
        Reactor refusing = new RecordingReactor(ChannelDescriptor.of((byte) 0x43, 1)) {
            @Override
            public void initPeer(Peer peer) {
                throw new IllegalStateException("refused by the test");
            }
        };
        Node a = node(refusing);
        Node b = node();
        assertThatThrownBy(() -> a.sw().dial(b.sw().listenAddress()).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
        // the dial's future fails after the stop of the peer, listeners included, is over
        assertThat(a.listened()).isEmpty();
        assertThat(a.reactor().lifecycle(b.sw().id())).containsExactly("init", "remove");
    }

    /** Closing a switch whose reactors are stuck on N peers takes one delivery grace, not N. */
    @Test
    void closeStopsPeersAtOnceSoStuckReactorsCostOneGrace() throws Exception {
        int spokes = 4;
        CountDownLatch stuck = new CountDownLatch(spokes);
        CountDownLatch release = new CountDownLatch(1);
        Reactor stuckReactor = new RecordingReactor(ChannelDescriptor.of((byte) 0x43, 1)) {
            @Override
            public void receive(byte channelId, Peer peer, byte[] message) {
                stuck.countDown();
                for (int i = 0; i < 100; i++) { // deaf to interrupts, as a reactor stuck in a blocking call can be
                    try {
                        if (release.await(1, TimeUnit.MINUTES)) {
                            return;
                        }
                    } catch (InterruptedException ignored) {
                        // keep waiting
                    }
                }
            }
        };
        try {
            Node hub = node(stuckReactor);
            for (int i = 0; i < spokes; i++) {
                Node spoke = node(new RecordingReactor(ChannelDescriptor.of((byte) 0x43, 1)));
                Peer toHub = spoke.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
                assertThat(toHub.send((byte) 0x43, new byte[] {1})).isTrue();
            }
            assertThat(stuck.await(30, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            hub.sw().close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // one by one it takes spokes x grace (8 s); at once one grace plus the time to close
            assertThat(took).isLessThan(PeerLifecycle.DELIVERY_GRACE.multipliedBy(spokes - 1).minusMillis(500));
            assertThat(hub.sw().peers().size()).isZero();
        } finally {
            release.countDown();
        }
    }

    /** An admission under way when close begins ends before the reactors stop, or never reaches them. */
    @Test
    void closeWaitsForAnAdmissionUnderWaySoReactorsHearNothingAfterTheirStop() throws Exception {
        Node a = node();
        Node b = node();
        AtomicBoolean once = new AtomicBoolean(true);
        List<Thread> closer = new CopyOnWriteArrayList<>();
        a.sw().admission.hook = () -> {
            if (!once.getAndSet(false)) {
                return;
            }
            Thread t = Thread.ofVirtual().start(a.sw()::close);
            closer.add(t);
            // close either runs to its end now, or waits for this admission
            await().atMost(Duration.ofSeconds(20)).until(() -> !t.isAlive() || a.sw().admission.lock.hasQueuedThreads());
        };
        b.sw().dial(a.sw().listenAddress()).exceptionally(e -> null).get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> closer.size() == 1);
        closer.get(0).join(Duration.ofSeconds(20));
        assertThat(closer.get(0).isAlive()).isFalse();
        // the admission itself has ended: its peer was added, or refused
        await().atMost(Duration.ofSeconds(20)).until(() -> !a.listened().isEmpty() || !a.refused().isEmpty());
        List<String> events = a.reactor().events.stream().map(RecordingReactor.Event::what).toList();
        assertThat(events).last().isEqualTo("stop");
        assertThat(events).containsOnlyOnce("stop");
        assertThat(a.sw().peers().size()).isZero();
    }

    /** A switch that cannot bind its port leaves no thread of its own running. */
    @Test
    void aStartThatCannotListenReleasesTheSwitchThreads() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            Switch sw = Switch.builder(NodeKey.generate(),
                            ConnectedSwitches.testConfig().withListen("tcp://127.0.0.1:" + taken.getLocalPort()))
                    .network("test-chain").reactor("chat", new RecordingReactor(ChannelDescriptor.of(CHAT, 1))).build();
            assertThatThrownBy(sw::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot listen");
            await().atMost(Duration.ofSeconds(10)).until(() -> switchThreadsStartedSince(before).isEmpty());
            assertThatThrownBy(sw::start).isInstanceOf(IllegalStateException.class);
            sw.close(); // still allowed, and a no-op
        }
    }

    /** A peer that connects and fails its handshake over and over gets a log line per doubling, not one each time. */
    @Test
    void refusedInboundConnectionsAreLoggedPerDoublingNotEachTime() throws Exception {
        Node a = node();
        int attempts = 20;
        for (int i = 0; i < attempts; i++) {
            try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), a.sw().listenAddress().port())) {
                socket.getOutputStream().write(new byte[64]); // no key for a SecretConnection
            }
            int refusedSoFar = i + 1;
            await().atMost(Duration.ofSeconds(20)).until(() -> a.refused().size() >= refusedSoFar);
        }
        assertThat(a.refused()).hasSize(attempts);
        assertThat(a.sw().refusals.linesWritten()).isEqualTo(5); // the 1st, 2nd, 4th, 8th and 16th
    }

    /**
     * A dial is its id's state in the switch's one table: DIALING while the handshake is under way
     * (a second dial is refused as already dialing), gone when the dial fails, and the peer's own
     * state (RUNNING) once a dial succeeds.
     */
    @Test
    void aDialUnderWayIsTheIdsDialingStateUntilItEnds() throws Exception {
        Node a = node();
        Node b = node();
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            io.p2p4j.identity.NetAddress nowhere = new io.p2p4j.identity.NetAddress(NodeKey.generate().id(), "127.0.0.1",
                    silent.getLocalPort());
            java.util.concurrent.CompletableFuture<Peer> dial = a.sw().dial(nowhere);
            try (java.net.Socket accepted = silent.accept()) { // connected, and never says a word
                assertThat(a.sw().admission.state(nowhere.id())).isEqualTo(SwitchPeer.State.DIALING);
                assertThat(a.sw().isDialing(nowhere.id())).isTrue();
                assertThat(a.sw().numPeers().dialing()).isEqualTo(1);
                assertThatThrownBy(() -> a.sw().dial(nowhere).get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(io.p2p4j.net.HandshakeException.class).hasMessageContaining("already dialing");
            }
            assertThatThrownBy(() -> dial.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.sw().admission.state(nowhere.id()) == null);
            assertThat(a.sw().numPeers().dialing()).isZero();
        }
        a.sw().dial(b.sw().listenAddress()).get(20, TimeUnit.SECONDS);
        assertThat(a.sw().admission.state(b.sw().id())).isEqualTo(SwitchPeer.State.RUNNING);
        assertThat(a.sw().isDialing(b.sw().id())).isFalse();
    }

    /** One failed report of slow reactors does not end the once-a-second schedule of the next ones. */
    @Test
    void theSlowReactorReportGoesOnAfterOneFails() {
        Node a = node();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        a.sw().lifecycle.slowReportHook = () -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("thrown by the test");
            }
        };
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 3);
    }

    private static Set<String> switchThreadsStartedSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(name -> name.startsWith("multiThreadIoEventLoopGroup") || name.startsWith("p2p4j-"))
                .collect(Collectors.toSet());
    }
}
