package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.net.TransportKind;
import io.p2p4j.Peer;
import io.p2p4j.Reactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.crypto.X25519Keys;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The handshake's key agreement, signing and verification run on its crypto executor, off the
 * event loop, and the handshake still completes over real sockets: three steps per side, the
 * first being our own ephemeral key pair, so that a connection pushed out of a full table of
 * pending handshakes before its turn has cost the event loop no curve arithmetic at all; a pair
 * made ahead by the supply skips that step and goes out at once. The
 * shared pool's threads end once there is no handshake work: none is left after the switches
 * that made handshakes close.
 */
class HandshakeCryptoThreadsTest {

    /** An executor on a thread of its own that notes which thread handed over each task. */
    private static final class Recording implements Executor {
        final ExecutorService thread = Executors.newSingleThreadExecutor();
        final List<String> callers = new CopyOnWriteArrayList<>();

        @Override
        public void execute(Runnable task) {
            callers.add(Thread.currentThread().getName());
            thread.execute(task);
        }
    }

    private static CompletableFuture<SecretConnectionInfo> secure(Channel channel, NodeKey key, Executor crypto) {
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(key, Duration.ofSeconds(5),
                X25519Keys.generatePrivate(), crypto);
        channel.eventLoop().execute(() -> channel.pipeline().addLast(handshake));
        return handshake.result();
    }

    private static List<Thread> cryptoThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("p2p4j-handshake-crypto-") && t.isAlive()).toList();
    }

    @Test
    void noCryptoThreadRemainsAfterTheSwitchesThatMadeHandshakesClose() {
        Reactor quiet = new Reactor() {
            @Override
            public List<ChannelDescriptor> channels() {
                return List.of(ChannelDescriptor.of((byte) 0x70, 1));
            }

            @Override
            public void receive(byte channelId, Peer peer, byte[] message) { }
        };
        try (ConnectedSwitches switches = ConnectedSwitches.create(3, TransportKind.TCP,
                (i, b) -> b.network("test-chain").reactor("quiet", quiet))) {
            List<Thread> used = cryptoThreads();
            assertThat(used).as("the handshakes' crypto ran on the pool").isNotEmpty()
                    .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
        }
        long closed = System.nanoTime();
        // the threads end on their own once idle (SecretConnectionHandshake.CRYPTO_THREAD_IDLE, 2 s)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cryptoThreads()).isEmpty());
        System.out.printf("no handshake crypto thread left %d ms after the switches closed%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed));
    }

    @Test
    void bothCryptoStepsOfEachSideRunOnItsExecutor() throws Exception {
        Recording clientCrypto = new Recording();
        Recording serverCrypto = new Recording();
        NodeKey clientKey = NodeKey.generate();
        NodeKey serverKey = NodeKey.generate();
        try (LoopbackConnections loopback = new LoopbackConnections(); LoopbackConnection pair = loopback.connect()) {
            CompletableFuture<SecretConnectionInfo> atServer = secure(pair.server(), serverKey, serverCrypto);
            CompletableFuture<SecretConnectionInfo> atClient = secure(pair.client(), clientKey, clientCrypto);
            assertThat(atClient.get(10, TimeUnit.SECONDS).remotePublicKey()).isEqualTo(serverKey.publicKey());
            assertThat(atServer.get(10, TimeUnit.SECONDS).remotePublicKey()).isEqualTo(clientKey.publicKey());
            for (Recording crypto : List.of(clientCrypto, serverCrypto)) {
                // handed over by the event loop: our key pair, key agreement and signing, then verification
                assertThat(crypto.callers).hasSize(3);
            }
        } finally {
            clientCrypto.thread.shutdownNow();
            serverCrypto.thread.shutdownNow();
        }
    }

    @Test
    void aKeyPairMadeAheadIsSentAtOnceWithNoCryptoStep() {
        Queue<Runnable> makers = new ArrayDeque<>();
        EphemeralKeySupply supply = new EphemeralKeySupply(4, makers::add);
        supply.take();
        EphemeralKeySupplyTest.runMakers(makers);
        Queue<Runnable> crypto = new ArrayDeque<>();
        EmbeddedChannel channel = new EmbeddedChannel(
                new SecretConnectionHandshake(NodeKey.generate(), Duration.ofSeconds(5), supply, crypto::add));
        try {
            ByteBuf sent = channel.readOutbound();
            assertThat(sent.readableBytes()).as("our ephemeral key, at once").isEqualTo(35);
            sent.release();
            assertThat(crypto).as("no hand-off for our key pair").isEmpty();
            assertThat(supply.ready()).as("the pair is the supply's no more").isEqualTo(3);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void withNoKeyPairReadyOursIsMadeOnTheCryptoExecutorNotTheEventLoop() {
        Queue<Runnable> makers = new ArrayDeque<>();
        EphemeralKeySupply empty = new EphemeralKeySupply(4, makers::add);
        Queue<Runnable> crypto = new ArrayDeque<>();
        assertKeyMadeOnCryptoThenSent(
                new SecretConnectionHandshake(NodeKey.generate(), Duration.ofSeconds(5), empty, crypto::add), crypto);
        assertThat(makers).as("the supply refills on its own executor").hasSize(1);
    }

    @Test
    void ourEphemeralKeyIsMadeOnTheCryptoExecutorAndSentOnlyThen() {
        Queue<Runnable> crypto = new ArrayDeque<>();
        assertKeyMadeOnCryptoThenSent(new SecretConnectionHandshake(NodeKey.generate(), Duration.ofSeconds(5),
                X25519Keys.generatePrivate(), crypto::add), crypto);
    }

    /** Nothing goes out until the one task on {@code crypto} has run; then our 35-byte key message does. */
    private static void assertKeyMadeOnCryptoThenSent(SecretConnectionHandshake handshake, Queue<Runnable> crypto) {
        EmbeddedChannel channel = new EmbeddedChannel(handshake);
        try {
            assertThat(channel.<ByteBuf>readOutbound()).as("nothing sent before the key pair is made").isNull();
            assertThat(crypto).hasSize(1);
            crypto.remove().run();
            channel.runPendingTasks();
            ByteBuf sent = channel.readOutbound();
            assertThat(sent.readableBytes()).isEqualTo(35);
            sent.release();
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
