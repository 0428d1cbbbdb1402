package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.conn.MConnectionException.PongTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keepalive and the ping limit on the event loop's clock, frozen and moved by the test: the
 * moment a ping goes and the moment a silent peer is dropped are asserted to the nanosecond,
 * without sockets or waiting. (Over real sockets, MConnectionHostilePeerTest drops a peer that
 * hangs behind a frozen proxy.)
 */
class MConnectionKeepaliveTest {
    private static final byte CHANNEL = 0x21;
    private static final List<ChannelDescriptor> CHANNELS = List.of(ChannelDescriptor.builder(CHANNEL).build());
    /** CometBFT's keepalive: a ping every 60 s, a pong due within 45 s. */
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();
    private static final Duration PING_INTERVAL = CONFIG.pingInterval();
    private static final Duration PONG_TIMEOUT = CONFIG.pongTimeout();
    private static final Duration NANO = Duration.ofNanos(1);

    @Test
    void aPingIsWrittenExactlyAtEachPingIntervalAndNotBefore() {
        try (FrozenEnd end = new FrozenEnd(CHANNELS, CONFIG)) {
            end.advance(PING_INTERVAL.minus(NANO));
            assertThat(end.written()).isEmpty();
            end.advance(NANO);
            assertThat(end.written()).containsExactly(PacketCodec.PING);

            end.advance(Duration.ofSeconds(1));
            end.read(PacketCodec.PONG);
            end.advance(PING_INTERVAL.minusSeconds(1).minus(NANO));
            assertThat(end.written()).isEmpty();
            end.advance(NANO); // the interval runs from the last ping, not from the pong
            assertThat(end.written()).containsExactly(PacketCodec.PING);
            assertThat(end.errors).isEmpty();
        }
    }

    @Test
    void withoutAPongTheConnectionEndsExactlyWhenThePongTimeoutPassesAndOnlyOnce() {
        try (FrozenEnd end = new FrozenEnd(CHANNELS, CONFIG)) {
            end.advance(PING_INTERVAL);
            assertThat(end.written()).containsExactly(PacketCodec.PING);
            end.advance(PONG_TIMEOUT.minus(NANO));
            assertThat(end.errors).isEmpty();
            assertThat(end.connection.isRunning()).isTrue();

            end.advance(NANO);
            assertThat(end.errors).singleElement().isInstanceOf(PongTimeoutException.class)
                    .extracting(Throwable::getMessage).isEqualTo("pong not received within 45s");
            assertThat(end.connection.isRunning()).isFalse();
            assertThat(end.channel.isOpen()).isFalse();

            // its timers went with it: no more pings, no second error
            end.advance(PING_INTERVAL.multipliedBy(5));
            assertThat(end.written()).isEmpty();
            assertThat(end.errors).hasSize(1);
        }
    }

    @Test
    void aPongJustInsideTheTimeoutEveryTimeKeepsTheConnectionUpOverAHundredIntervals() {
        try (FrozenEnd end = new FrozenEnd(CHANNELS, CONFIG)) {
            for (int round = 0; round < 100; round++) {
                end.advance(round == 0 ? PING_INTERVAL : PING_INTERVAL.minus(PONG_TIMEOUT).plus(NANO));
                assertThat(end.written()).as("round %d", round).containsExactly(PacketCodec.PING);
                end.advance(PONG_TIMEOUT.minus(NANO));
                end.read(PacketCodec.PONG);
            }
            assertThat(end.errors).isEmpty();
            assertThat(end.connection.isRunning()).isTrue();
        }
    }

    @Test
    void aHealthyPairExchangingMessagesStaysUpOverTenMinutesOfKeepalive() {
        try (FrozenEnd a = new FrozenEnd(CHANNELS, CONFIG); FrozenEnd b = new FrozenEnd(CHANNELS, CONFIG)) {
            int sent = 0;
            // one step a second, both clocks together: pings and pongs cross while messages flow
            for (int second = 1; second <= 600; second++) {
                if (second % 7 == 0) {
                    assertThat(a.connection.send(CHANNEL, new byte[] {(byte) sent++})).isTrue();
                }
                a.advance(Duration.ofSeconds(1));
                b.advance(Duration.ofSeconds(1));
                a.deliverTo(b);
                b.deliverTo(a);
            }
            assertThat(a.errors).isEmpty();
            assertThat(b.errors).isEmpty();
            assertThat(b.delivered).hasSize(sent);
            assertThat(a.connection.isRunning()).isTrue();
            assertThat(b.connection.isRunning()).isTrue();
            assertThat(a.connection.status().duration()).isEqualTo(Duration.ofMinutes(10));
        }
    }

    @Test
    void aPeerPingingExactlyAtTheLimitIsAnsweredEveryTimeAndNeverRefused() {
        // 10 pings a second, one every 100 ms, for 10 minutes: 6,000 pings, each with its pong
        try (FrozenEnd end = new FrozenEnd(CHANNELS, CONFIG.withMaxPingsPerSecond(10))) {
            for (int i = 0; i < 6_000; i++) {
                end.advance(Duration.ofMillis(100));
                end.read(PacketCodec.PING);
                byte[] written = end.written();
                if (written.length > PacketCodec.PONG.length) {
                    assertThat(written).startsWith(PacketCodec.PING); // our own keepalive ping, then the pong
                    written = java.util.Arrays.copyOfRange(written, PacketCodec.PING.length, written.length);
                    end.read(PacketCodec.PONG);
                }
                assertThat(written).as("answer to ping %d", i).containsExactly(PacketCodec.PONG);
            }
            assertThat(end.errors).isEmpty();
        }
    }

    @Test
    void aFloodOverTheBurstInZeroTimeIsRefusedWithExactFigures() {
        try (FrozenEnd end = new FrozenEnd(CHANNELS, CONFIG.withMaxPingsPerSecond(10))) {
            byte[] flood = new byte[101 * PacketCodec.PING.length];
            for (int i = 0; i < 101; i++) {
                System.arraycopy(PacketCodec.PING, 0, flood, i * PacketCodec.PING.length, PacketCodec.PING.length);
            }
            end.read(flood);
            assertThat(end.errors).singleElement().extracting(Throwable::getMessage).isEqualTo(
                    "ping flood: 101 pings in 0.000 s, over the limit of 10 per second with bursts of 100"
                            + " (maxPingsPerSecond)");
            assertThat(end.written()).as("no pong for a flood").isEmpty();
        }
    }
}
