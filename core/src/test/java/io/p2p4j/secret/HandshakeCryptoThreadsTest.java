package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.crypto.X25519Keys;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testkit.Loopback;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The handshake's key agreement, signing and verification run on its crypto executor, off the
 * event loop, and the handshake still completes over real sockets: two steps per side.
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

    @Test
    void bothCryptoStepsOfEachSideRunOnItsExecutor() throws Exception {
        Recording clientCrypto = new Recording();
        Recording serverCrypto = new Recording();
        NodeKey clientKey = NodeKey.generate();
        NodeKey serverKey = NodeKey.generate();
        try (Loopback loopback = new Loopback(); LoopbackConnection pair = loopback.connect()) {
            CompletableFuture<SecretConnectionInfo> atServer = secure(pair.server(), serverKey, serverCrypto);
            CompletableFuture<SecretConnectionInfo> atClient = secure(pair.client(), clientKey, clientCrypto);
            assertThat(atClient.get(10, TimeUnit.SECONDS).remotePublicKey()).isEqualTo(serverKey.publicKey());
            assertThat(atServer.get(10, TimeUnit.SECONDS).remotePublicKey()).isEqualTo(clientKey.publicKey());
            for (Recording crypto : List.of(clientCrypto, serverCrypto)) {
                // handed over by the event loop: key agreement and signing, then verification
                assertThat(crypto.callers).hasSize(2);
            }
        } finally {
            clientCrypto.thread.shutdownNow();
            serverCrypto.thread.shutdownNow();
        }
    }
}
