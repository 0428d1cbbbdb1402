package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.RawPeer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** MConnection behaviour over real loopback TCP sockets. */
class MConnectionLoopbackTest {
    private static final int CAPACITY = 2 * 1024 * 1024;
    private static final List<ChannelDescriptor> CHANNELS = List.of(
            ChannelDescriptor.builder((byte) 0x20).priority(6).sendQueueCapacity(4).recvMessageCapacity(CAPACITY).build(),
            ChannelDescriptor.builder((byte) 0x21).priority(10).sendQueueCapacity(4).recvMessageCapacity(CAPACITY).build(),
            ChannelDescriptor.builder((byte) 0x30).priority(1).recvMessageCapacity(CAPACITY).build());
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();

    /** The loopback connections of each test, closed after it. */
    @RegisterExtension
    static final LoopbackConnections loopback = new LoopbackConnections();

    private static byte[] message(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void messagesOfEveryEdgeSizeArriveWholeAndInOrderOnSeveralChannelsAtOnce() throws Exception {
        int[] sizes = {0, 1, 1023, 1024, 1025, 2048, 1024 * 1024, CAPACITY};
        // every channel may be in the middle of a message of its full capacity at once
        MConnectionConfig config = CONFIG.withMaxReassemblyBytes((long) CHANNELS.size() * CAPACITY);
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, config);
            Endpoint b = new Endpoint(pair.server(), CHANNELS, config);
            List<Thread> senders = new ArrayList<>();
            for (ChannelDescriptor channel : CHANNELS) {
                senders.add(Thread.ofVirtual().start(() -> {
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < sizes.length; i++) {
                            byte[] msg = message(sizes[i], channel.id() * 1000 + round * 100 + i);
                            assertThat(a.connection.send(channel.id(), msg)).isTrue();
                        }
                    }
                }));
            }
            for (Thread sender : senders) {
                assertThat(sender.join(Duration.ofSeconds(60))).isTrue();
            }
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    CHANNELS.stream().allMatch(c -> b.count(c.unsignedId()) == 3 * sizes.length));
            for (ChannelDescriptor channel : CHANNELS) {
                List<byte[]> got = b.messages(channel.unsignedId());
                for (int round = 0; round < 3; round++) {
                    for (int i = 0; i < sizes.length; i++) {
                        assertThat(got.get(round * sizes.length + i))
                                .as("channel %s round %d message %d", channel.id(), round, i)
                                .isEqualTo(message(sizes[i], channel.id() * 1000 + round * 100 + i));
                    }
                }
            }
            assertThat(a.errors).isEmpty();
            assertThat(b.errors).isEmpty();
            ConnectionStatus status = b.connection.status();
            assertThat(status.channel(0x21).messagesReceived()).isEqualTo(3L * sizes.length);
            assertThat(a.connection.status().channel(0x21).messagesSent()).isEqualTo(3L * sizes.length);
            a.connection.close();
            b.connection.close();
        }
    }

    @Test
    void messageOverTheChannelCapacityEndsTheConnectionWithAClearError() {
        List<ChannelDescriptor> small = List.of(
                ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20).build());
        List<ChannelDescriptor> large = List.of(
                ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(4 << 20).build());
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), large, CONFIG);
            Endpoint receiver = new Endpoint(pair.server(), small, CONFIG);
            assertThat(sender.connection.send((byte) 0x20, new byte[1 << 20])).isTrue();
            assertThat(sender.connection.send((byte) 0x20, new byte[(1 << 20) + 1])).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.errors.isEmpty());
            assertThat(receiver.count(0x20)).isEqualTo(1);
            assertThat(receiver.messages(0x20).get(0)).hasSize(1 << 20);
            assertThat(receiver.errors).singleElement()
                    .isInstanceOf(MessageTooLargeException.class)
                    .extracting(Throwable::getMessage).asString()
                    .contains("channel 0x20").contains("1048577").contains("limit of 1048576");
            assertThat(receiver.connection.isRunning()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> !sender.connection.isRunning());
        }
    }

    @Test
    void sendAndTrySendReturnFalseForAnUnknownChannelOrAStoppedConnection() {
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, CONFIG);
            assertThat(a.connection.send((byte) 0x7f, new byte[1])).isFalse();
            assertThat(a.connection.trySend((byte) 0x7f, new byte[1])).isFalse();
            a.connection.close();
            assertThat(a.connection.send((byte) 0x20, new byte[1])).isFalse();
            assertThat(a.connection.trySend((byte) 0x20, new byte[1])).isFalse();
            assertThat(a.errors).isEmpty();
        }
    }

    @Test
    void trySendFailsOnAFullQueueAndSendTimesOutAgainstAPeerThatDoesNotRead() {
        MConnectionConfig config = CONFIG.withSendTimeout(Duration.ofMillis(300));
        try (LoopbackConnections small = new LoopbackConnections(32 * 1024); LoopbackConnection pair = small.connect()) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, config);
            RawPeer.notReading(pair.server());
            byte[] chunk = new byte[64 * 1024];
            // the socket fills, then the writer stops taking messages, then the queue fills; the
            // writer may still take the queued message until the socket is full, so the full
            // queue must hold, refilled at each poll, for a while
            await().atMost(Duration.ofSeconds(20)).during(Duration.ofMillis(200)).until(() -> {
                a.connection.trySend((byte) 0x30, chunk);
                return !a.connection.canSend((byte) 0x30) && !pair.client().isWritable();
            });
            assertThat(a.connection.trySend((byte) 0x30, chunk)).isFalse();
            long start = System.nanoTime();
            assertThat(a.connection.send((byte) 0x30, chunk)).isFalse();
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(waitedMs).isGreaterThanOrEqualTo(290);
            assertThat(a.errors).isEmpty();
            a.connection.close();
        }
    }

    @Test
    void pingsAreAnsweredWithPongs() {
        try (LoopbackConnection pair = loopback.connect()) {
            new Endpoint(pair.client(), CHANNELS, CONFIG);
            RawPeer peer = RawPeer.reading(pair.server());
            peer.writeHex("020a00");
            await().atMost(Duration.ofSeconds(5)).until(() -> peer.received().length >= 3);
            assertThat(peer.received()).containsExactly(0x02, 0x12, 0x00);
        }
    }

    @Test
    void statusReportsRecentRatesWhileTrafficFlowsAndZeroOnceItStops() throws Exception {
        // a modest send rate: traffic for a few statistics intervals without taking the CPU
        MConnectionConfig config = CONFIG.withSendRate(1_000_000);
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, config);
            Endpoint b = new Endpoint(pair.server(), CHANNELS, CONFIG);
            AtomicBoolean stop = new AtomicBoolean();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Thread pusher = Thread.ofVirtual().start(() -> {
                while (!stop.get() && System.nanoTime() < deadline && a.connection.send((byte) 0x20, new byte[8 * 1024])) {
                    // keep the channel busy
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                ConnectionStatus sent = a.connection.status();
                ConnectionStatus received = b.connection.status();
                return sent.sendRate() > 0 && sent.channel(0x20).sendRate() > 0
                        && received.recvRate() > 0 && received.channel(0x20).recvRate() > 0;
            });
            // only the busy channel has a rate; nothing flows the other way
            assertThat(a.connection.status().channel(0x21).sendRate()).isZero();
            assertThat(b.connection.status().sendRate()).isZero();
            assertThat(a.connection.status().recvRate()).isZero();

            stop.set(true);
            assertThat(pusher.join(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                ConnectionStatus sent = a.connection.status();
                ConnectionStatus received = b.connection.status();
                return sent.sendRate() == 0 && sent.channel(0x20).sendRate() == 0
                        && received.recvRate() == 0 && received.channel(0x20).recvRate() == 0;
            });
            assertThat(b.count(0x20)).isEqualTo(a.connection.status().channel(0x20).messagesSent());
            assertThat(a.errors).isEmpty();
            assertThat(b.errors).isEmpty();
        }
    }

    @Test
    void underSaturationBytesPerChannelFollowThePriorities() throws Exception {
        List<ChannelDescriptor> channels = List.of(
                ChannelDescriptor.builder((byte) 0x40).priority(1).sendQueueCapacity(4).build(),
                ChannelDescriptor.builder((byte) 0x41).priority(5).sendQueueCapacity(4).build(),
                ChannelDescriptor.builder((byte) 0x42).priority(10).sendQueueCapacity(4).build());
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint a = new Endpoint(pair.client(), channels, CONFIG);
            Endpoint b = new Endpoint(pair.server(), channels, CONFIG);
            byte[] payload = new byte[64 * 1024];
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> senders = new ArrayList<>();
            for (ChannelDescriptor channel : channels) {
                senders.add(Thread.ofVirtual().start(() -> {
                    while (running.get() && a.connection.send(channel.id(), payload)) {
                        // keep the channel saturated
                    }
                }));
            }
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> b.count(0x40) > 2);
                long[] before = received(b, channels);
                await().atMost(Duration.ofSeconds(30)).until(() -> b.count(0x40) > 60);
                long[] after = received(b, channels);
                long total = 0;
                for (int i = 0; i < 3; i++) {
                    total += after[i] - before[i];
                }
                for (int i = 0; i < 3; i++) {
                    double ideal = channels.get(i).priority() / 16.0;
                    double share = (double) (after[i] - before[i]) / total;
                    assertThat(share).as("channel %s", channels.get(i).id()).isBetween(ideal * 0.9, ideal * 1.1);
                }
            } finally {
                running.set(false);
                a.connection.close();
                b.connection.close();
                for (Thread sender : senders) {
                    sender.join(Duration.ofSeconds(15));
                }
            }
        }
    }

    private static long[] received(Endpoint endpoint, List<ChannelDescriptor> channels) {
        ConnectionStatus status = endpoint.connection.status();
        long[] bytes = new long[channels.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = status.channel(channels.get(i).unsignedId()).bytesReceived();
        }
        return bytes;
    }

    @Test
    void flushAndCloseDeliversWhatWasQueuedThenCloses() {
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, CONFIG);
            Endpoint b = new Endpoint(pair.server(), CHANNELS, CONFIG);
            for (int i = 0; i < 4; i++) {
                assertThat(a.connection.trySend((byte) 0x21, message(100_000, i))).isTrue();
            }
            a.connection.flushAndClose(Duration.ofSeconds(10));
            assertThat(a.connection.trySend((byte) 0x21, new byte[1])).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.connection.isRunning());
            await().atMost(Duration.ofSeconds(10)).until(() -> b.count(0x21) == 4);
            for (int i = 0; i < 4; i++) {
                assertThat(b.messages(0x21).get(i)).isEqualTo(message(100_000, i));
            }
            assertThat(a.errors).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> !b.connection.isRunning());
        }
    }
}
