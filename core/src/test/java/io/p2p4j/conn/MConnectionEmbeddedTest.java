package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionConfig.FlushPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MConnection between two embedded channels, where the event loops' time is the test's: the
 * flush policy and the meaning of rate limits of 0 or less, without sockets or sleeping.
 */
class MConnectionEmbeddedTest {
    private static final byte CHANNEL = 0x21;
    private static final List<ChannelDescriptor> CHANNELS = List.of(ChannelDescriptor.builder(CHANNEL).build());
    /** Keepalive out of the way: a ping flushes whatever is pending, which would hide the policy. */
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited()
            .withKeepalive(Duration.ofDays(2), Duration.ofDays(1));

    /** A sender and a receiver; {@link #pump()} moves what the sender flushed, and only that. */
    private static final class Wire implements AutoCloseable {
        final EmbeddedChannel senderChannel = new EmbeddedChannel();
        final EmbeddedChannel receiverChannel = new EmbeddedChannel();
        final MConnection sender;
        final MConnection receiver;
        final List<byte[]> delivered = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();

        Wire(MConnectionConfig senderConfig, MConnectionConfig receiverConfig) {
            senderChannel.freezeTime(); // the sender's timers move only when the test says so
            sender = MConnection.builder(senderChannel).channels(CHANNELS).config(senderConfig)
                    .onError(errors::add).start();
            receiver = MConnection.builder(receiverChannel).channels(CHANNELS).config(receiverConfig)
                    .onReceive((id, msg) -> delivered.add(msg)).onError(errors::add).start();
        }

        /** Runs the sender's pending work and hands what reached its socket to the receiver. */
        void pump() {
            senderChannel.runPendingTasks();
            for (ByteBuf buf; (buf = senderChannel.readOutbound()) != null; ) {
                receiverChannel.writeInbound(buf);
            }
        }

        /**
         * Pumps a connection in full flow: the writer yields every 256 KiB, and a flush right
         * after another waits the short busy delay.
         */
        void pumpBusy() {
            advance(Duration.ofNanos(MConnectionHandler.BUSY_FLUSH_DELAY_NANOS));
        }

        /** Moves the sender's clock on, runs what fell due, and pumps. */
        void advance(Duration by) {
            senderChannel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
            senderChannel.runScheduledPendingTasks();
            pump();
        }

        @Override
        public void close() {
            sender.close();
            receiver.close();
            senderChannel.finishAndReleaseAll();
            receiverChannel.finishAndReleaseAll();
            assertThat(errors).isEmpty();
        }
    }

    private static byte[] message(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void whenDrainedDeliversALoneMessageOnAnIdleConnectionWithoutWaitingForTheThrottle() {
        MConnectionConfig config = CONFIG.withFlushPolicy(FlushPolicy.WHEN_DRAINED).withFlushThrottle(Duration.ofHours(1));
        try (Wire wire = new Wire(config, CONFIG)) {
            byte[] first = message(100, 1);
            assertThat(wire.sender.send(CHANNEL, first)).isTrue();
            wire.pump(); // no time passes on the event loop
            assertThat(wire.delivered).containsExactly(first);

            // right after a flush the connection counts as busy and gathers a batch for the
            // short busy delay exactly, whatever the throttle
            byte[] second = message(100, 2);
            assertThat(wire.sender.send(CHANNEL, second)).isTrue();
            wire.pump();
            wire.advance(Duration.ofNanos(MConnectionHandler.BUSY_FLUSH_DELAY_NANOS - 1));
            assertThat(wire.delivered).containsExactly(first);
            wire.advance(Duration.ofNanos(1));
            assertThat(wire.delivered).containsExactly(first, second);
        }
    }

    @Test
    void whenDrainedCountsTheConnectionQuietAgainOnceTheBusyWindowHasPassedSinceTheLastFlush() {
        MConnectionConfig config = CONFIG.withFlushPolicy(FlushPolicy.WHEN_DRAINED).withFlushThrottle(Duration.ofHours(1));
        try (Wire wire = new Wire(config, CONFIG)) {
            byte[] first = message(100, 8);
            assertThat(wire.sender.send(CHANNEL, first)).isTrue();
            wire.pump();
            wire.advance(Duration.ofNanos(MConnectionHandler.BUSY_WINDOW_NANOS - 1));
            byte[] second = message(100, 9);
            assertThat(wire.sender.send(CHANNEL, second)).isTrue();
            wire.pump();
            assertThat(wire.delivered).as("one nanosecond inside the window: still busy").containsExactly(first);
            wire.advance(Duration.ofNanos(MConnectionHandler.BUSY_FLUSH_DELAY_NANOS));

            wire.advance(Duration.ofNanos(MConnectionHandler.BUSY_WINDOW_NANOS));
            byte[] third = message(100, 10);
            assertThat(wire.sender.send(CHANNEL, third)).isTrue();
            wire.pump(); // no time passes: the window since the last flush is over, so it goes at once
            assertThat(wire.delivered).containsExactly(first, second, third);
        }
    }

    @Test
    void theSendRateHoldsTheSenderToItsBurstPlusItsRateTimesTheElapsedTime() {
        long rate = 100_000; // a burst of a tenth of a second: 10,000 bytes
        MConnectionConfig limited = CONFIG.withSendRate(rate);
        try (Wire wire = new Wire(limited, CONFIG)) {
            assertThat(wire.sender.send(CHANNEL, message(1 << 20, 11))).isTrue();
            wire.pump();
            long packet = PacketCodec.delimitedSize(CHANNEL, false, limited.maxPacketMsgPayloadSize());
            for (int second = 1; second <= 3; second++) {
                for (int ms = 0; ms < 1000; ms++) {
                    wire.advance(Duration.ofMillis(1));
                }
                // bytes are taken after they are written: the sender may run one packet ahead
                long allowed = rate / 10 + rate * second;
                assertThat(wire.sender.status().bytesSent()).as("after %d s", second)
                        .isBetween(allowed - packet, allowed + packet);
            }
        }
    }

    @Test
    void statusReportsTheRatesOfTheLastStatisticsIntervalAndZeroOnceTrafficStops() {
        try (Wire wire = new Wire(CONFIG, CONFIG)) {
            Duration interval = Duration.ofNanos(MConnectionHandler.STATS_INTERVAL_NANOS);
            assertThat(wire.sender.send(CHANNEL, message(100_000, 12))).isTrue();
            for (int turn = 0; turn < 10 && wire.delivered.isEmpty(); turn++) {
                wire.pumpBusy();
            }
            assertThat(wire.delivered).hasSize(1);
            long sent = wire.sender.status().bytesSent();
            wire.advance(interval.minus(wire.sender.status().duration())); // to the first tick exactly
            // the first tick: everything sent so far, over exactly one interval
            long perSecond = sent * 1_000_000_000L / MConnectionHandler.STATS_INTERVAL_NANOS;
            assertThat(wire.sender.status().sendRate()).isEqualTo(perSecond);
            assertThat(wire.sender.status().channel(CHANNEL).sendRate()).isEqualTo(perSecond);
            assertThat(wire.sender.status().duration()).isEqualTo(interval);
            wire.advance(interval); // nothing more sent in the second interval
            assertThat(wire.sender.status().sendRate()).isZero();
        }
    }

    @ParameterizedTest(name = "throttle {0} ms")
    @ValueSource(longs = {10, 3_600_000})
    void throttledHoldsALoneMessageForTheWholeThrottleThenDeliversIt(long throttleMillis) {
        Duration throttle = Duration.ofMillis(throttleMillis);
        MConnectionConfig config = CONFIG.withFlushPolicy(FlushPolicy.THROTTLED).withFlushThrottle(throttle);
        try (Wire wire = new Wire(config, CONFIG)) {
            byte[] msg = message(100, 3);
            assertThat(wire.sender.send(CHANNEL, msg)).isTrue();
            wire.pump();
            assertThat(wire.delivered).isEmpty(); // written, not flushed
            wire.advance(throttle.minusMillis(1));
            assertThat(wire.delivered).isEmpty();
            wire.advance(Duration.ofMillis(1));
            assertThat(wire.delivered).containsExactly(msg);
        }
    }

    @Test
    void throttledStillFlushesAsSoonAs64KiBAreUnflushed() {
        MConnectionConfig config = CONFIG.withFlushPolicy(FlushPolicy.THROTTLED).withFlushThrottle(Duration.ofHours(1));
        try (Wire wire = new Wire(config, CONFIG)) {
            byte[] big = message(256 * 1024, 4);
            assertThat(wire.sender.send(CHANNEL, big)).isTrue();
            for (int turn = 0; turn < 10; turn++) {
                wire.pump(); // the writer yields every 256 KiB; no time passes
            }
            // all but a tail under 64 KiB has gone without waiting for the throttle
            assertThat(wire.receiver.status().bytesReceived())
                    .isGreaterThan(wire.sender.status().bytesSent() - MConnectionHandler.FLUSH_BYTES);
            wire.advance(Duration.ofHours(1));
            assertThat(wire.delivered).containsExactly(big);
        }
    }

    @ParameterizedTest(name = "rate {0}")
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void aRateOfZeroOrLessLimitsNeitherSendingNorReceiving(long rate) {
        MConnectionConfig config = CONFIG.withSendRate(rate).withRecvRate(rate);
        try (Wire wire = new Wire(config, config)) {
            assertThat(wire.receiverChannel.pipeline().get("mconn-recv-rate")).isNull();
            byte[] mib = message(1 << 20, 5);
            assertThat(wire.sender.send(CHANNEL, mib)).isTrue();
            for (int turn = 0; turn < 10 && wire.delivered.isEmpty(); turn++) {
                wire.pumpBusy();
            }
            assertThat(wire.delivered).containsExactly(mib);
            assertThat(wire.receiverChannel.config().isAutoRead()).isTrue();
        }
    }

    @Test
    void aPositiveRateDoesLimitBothDirections() {
        // 1,000 B/s: a burst of 100 bytes; 16 KiB more would take over 16 s, and no time passes here
        MConnectionConfig limited = CONFIG.withSendRate(1_000).withRecvRate(1_000);
        try (Wire wire = new Wire(limited, CONFIG)) {
            assertThat(wire.sender.send(CHANNEL, message(64 * 1024, 6))).isTrue();
            wire.pump();
            assertThat(wire.sender.status().bytesSent()).isLessThan(16 * 1024);
            assertThat(wire.delivered).isEmpty();
        }
        try (Wire wire = new Wire(CONFIG, limited)) {
            assertThat(wire.receiverChannel.pipeline().get("mconn-recv-rate")).isNotNull();
            byte[] msg = message(64 * 1024, 7);
            assertThat(wire.sender.send(CHANNEL, msg)).isTrue();
            for (int turn = 0; turn < 10 && wire.delivered.isEmpty(); turn++) {
                wire.pumpBusy();
            }
            assertThat(wire.delivered).containsExactly(msg); // what was read is still delivered ...
            assertThat(wire.receiverChannel.config().isAutoRead()).isFalse(); // ... but reading is paused
        }
    }
}
