package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A pause in reading holds while the packets of one large message arrive, over real sockets.
 * The decoder stores each piece and passes nothing on until the message is whole, and Netty's
 * decoders ask for another read whenever a read gave them nothing to pass on with auto-read off;
 * the read gate keeps such requests from reading on through a pause.
 */
class ReadPauseTest {
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();
    private static final List<ChannelDescriptor> CHANNELS = List.of(
            ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(8 << 20).build());

    private static byte[] message(int size) {
        byte[] message = new byte[size];
        new Random(size).nextBytes(message);
        return message;
    }

    @Test
    void theReceiveRateHoldsWhileOneLargeMessageArrives() {
        long rate = 200_000;
        try (LoopbackConnections loopback = new LoopbackConnections(32 * 1024); LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), CHANNELS, CONFIG);
            Endpoint receiver = new Endpoint(pair.server(), CHANNELS, CONFIG.withRecvRate(rate));
            byte[] large = message(4 << 20);
            long start = System.nanoTime();
            assertThat(sender.connection.send((byte) 0x20, large)).isTrue();
            LockSupport.parkNanos(Duration.ofMillis(1_500).toNanos());
            double seconds = (System.nanoTime() - start) / 1e9;
            long received = receiver.connection.status().bytesReceived();
            System.out.printf("one message of %d bytes, receive rate %d B/s: %d bytes received in %.2f s%n",
                    large.length, rate, received, seconds);
            assertThat(received).as("bytes of the message received in %.2f s", seconds)
                    .isLessThanOrEqualTo((long) (rate * seconds) + rate / 10 + 256 * 1024)
                    .isGreaterThan(rate / 2);
            assertThat(receiver.count(0x20)).isZero();
            assertThat(receiver.errors).isEmpty();
        }
    }

    @Test
    void aConsumerPauseHoldsWhileOneLargeMessageArrivesAndItIsWholeAfterTheResume() {
        try (LoopbackConnections loopback = new LoopbackConnections(32 * 1024); LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), CHANNELS, CONFIG);
            Endpoint receiver = new Endpoint(pair.server(), CHANNELS, CONFIG);
            byte[] first = message(100_000);
            assertThat(sender.connection.send((byte) 0x20, first)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.count(0x20) == 1);
            receiver.connection.pauseReading();
            await().atMost(Duration.ofSeconds(10)).until(() -> !pair.server().config().isAutoRead());
            long before = receiver.connection.status().bytesReceived();
            byte[] large = message(4 << 20);
            assertThat(sender.connection.send((byte) 0x20, large)).isTrue();
            // the sender backs up once the socket buffers are full: all that will come has come
            await().atMost(Duration.ofSeconds(10)).until(() -> !pair.client().isWritable());
            long during = receiver.connection.status().bytesReceived() - before;
            System.out.printf("paused while a message of %d bytes was sent: %d bytes received until the sender"
                    + " backed up%n", large.length, during);
            assertThat(during).as("bytes received while paused").isLessThanOrEqualTo(256 * 1024);
            receiver.connection.resumeReading();
            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.count(0x20) == 2 || !receiver.errors.isEmpty());
            assertThat(receiver.messages(0x20)).containsExactly(first, large);
            assertThat(receiver.errors).isEmpty();
        }
    }
}
