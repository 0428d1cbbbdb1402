package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.testing.ConnectedSwitches;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A peer's way from admission to stopped, and the switch's own start and close, at their races. */
class SwitchLifecycleTest {
    static final byte CHAT = 0x42;
    private static EventLoopGroup group;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

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
                .eventLoops(group).reactor("chat", reactor)
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
                    public void connectionRefused(java.net.SocketAddress remote, boolean outbound, Throwable reason) {
                        refused.add(reason);
                    }
                });
        for (int i = 0; i < extra.length; i++) {
            builder.reactor("extra" + i, extra[i]);
        }
        Switch sw = builder.build();
        toClose.add(sw);
        sw.start();
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
        a.sw().beforePeerSetAdd = peer -> {
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
}
