package io.p2p4j.conn;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link MConnection}. {@link #defaults()} gives CometBFT v0.38's values; each
 * {@code with…} method returns a copy with one field changed.
 *
 * @param sendRate                 bytes per second the connection may send; 0 or less is unlimited
 *                                 (default 5,120,000, CometBFT's {@code p2p.send_rate})
 * @param recvRate                 bytes per second the connection reads; 0 or less is unlimited
 *                                 (default 5,120,000, CometBFT's {@code p2p.recv_rate}). Counted
 *                                 as the bytes come off the socket, in front of whatever the
 *                                 channel's pipeline holds: over a SecretConnection each sealed
 *                                 frame counts as its 1,044 bytes whatever data it carries, so a
 *                                 peer cannot make us open frames with little or no data faster
 *                                 than data (CometBFT counts the plaintext, about 2 % less for
 *                                 full frames). Reading pauses once the rate is spent, and
 *                                 nothing behind the limit can read on through the pause
 * @param maxPacketMsgPayloadSize  largest data part of one packet (default 1,024, at least 2); the
 *                                 receiver rejects packets larger than this allows
 * @param flushThrottle            longest time a written packet may wait before it is flushed
 *                                 under {@link FlushPolicy#THROTTLED} (default 100 ms, CometBFT v0.38)
 * @param flushPolicy              when written packets are pushed to the socket (default
 *                                 {@link FlushPolicy#WHEN_DRAINED})
 * @param pingInterval             time between keepalive pings (default 60 s)
 * @param pongTimeout              how long to wait for the pong (default 45 s); must be shorter than
 *                                 the ping interval
 * @param sendTimeout              how long {@link MConnection#send} waits for room (default 10 s)
 * @param maxReassemblyBytes       heap one connection may hold for partly received messages, summed
 *                                 over its channels and counted as the capacity of their
 *                                 reassembly blocks: a message in progress holds its data plus
 *                                 less than one block (see {@link ChannelDescriptor}) (default
 *                                 4,194,304, 4 MiB); a peer that would take more is disconnected
 *                                 with an error naming the channel and the byte counts. A whole
 *                                 message up to its channel's {@code recvMessageCapacity} must
 *                                 always fit, so the limit in effect is this or the largest
 *                                 channel capacity of the connection, whichever is larger (see
 *                                 {@link ConnectionStatus#reassemblyLimit()}). Why 4 MiB: CometBFT's
 *                                 consensus, mempool and evidence channels accept messages of at
 *                                 most 1 MiB, and an honest peer has few multi-packet messages in
 *                                 progress at once (the sender interleaves channels packet by
 *                                 packet), so four whole ones fit, while 50 peers (40 inbound, 10
 *                                 outbound) cost at most 200 MiB. Without the budget each channel
 *                                 is bounded only by its own capacity: 21 MiB by default, times
 *                                 every channel.
 * @param maxPingsPerSecond        pings per second the remote may send on average, with bursts of
 *                                 ten seconds' worth (100 by default); the ping past that ends the
 *                                 connection with a {@link MConnectionException.PingFloodException}.
 *                                 Default 10: CometBFT pings every 60 s, and this library's shortest
 *                                 test interval is 100 ms, so an honest peer stays far inside it, while
 *                                 a flood is cut after at most one read batch. Pings never cost one
 *                                 pong each: those of one read batch share one pong and one flush
 */
public record MConnectionConfig(
        long sendRate,
        long recvRate,
        int maxPacketMsgPayloadSize,
        Duration flushThrottle,
        FlushPolicy flushPolicy,
        Duration pingInterval,
        Duration pongTimeout,
        Duration sendTimeout,
        long maxReassemblyBytes,
        int maxPingsPerSecond) {

    /** When packets written to the connection are flushed to the socket. */
    public enum FlushPolicy {
        /**
         * Flush as soon as the writer has nothing more to send right now, or has 64 KiB
         * unflushed; when the previous flush was less than 0.5 ms ago (traffic is flowing), wait
         * up to 0.2 ms for more first. An idle connection delivers a lone message at once, a busy
         * one writes large batches. The default.
         */
        WHEN_DRAINED,
        /**
         * CometBFT's policy: flush when the flush throttle expires after the first unflushed
         * packet, or when 64 KiB are unflushed. Adds up to the throttle to every message.
         */
        THROTTLED
    }

    /** Validates the settings. @throws IllegalArgumentException naming what is wrong */
    public MConnectionConfig {
        Objects.requireNonNull(flushThrottle, "flushThrottle");
        Objects.requireNonNull(flushPolicy, "flushPolicy");
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(pongTimeout, "pongTimeout");
        Objects.requireNonNull(sendTimeout, "sendTimeout");
        if (maxPacketMsgPayloadSize < 2) {
            // a channel id from 0x80 up takes a byte more than the receiver's limit counts on, and
            // its packets carry a byte less data to stay within it: they need room for two
            throw new IllegalArgumentException("maxPacketMsgPayloadSize must be at least 2, got " + maxPacketMsgPayloadSize);
        }
        requirePositive("flushThrottle", flushThrottle);
        requirePositive("pingInterval", pingInterval);
        requirePositive("pongTimeout", pongTimeout);
        if (sendTimeout.isNegative()) {
            throw new IllegalArgumentException("sendTimeout must not be negative, got " + sendTimeout);
        }
        if (maxReassemblyBytes < 1) {
            throw new IllegalArgumentException("maxReassemblyBytes must be positive, got " + maxReassemblyBytes);
        }
        if (maxPingsPerSecond < 1) {
            throw new IllegalArgumentException("maxPingsPerSecond must be positive, got " + maxPingsPerSecond);
        }
        if (pongTimeout.compareTo(pingInterval) >= 0) {
            throw new IllegalArgumentException("pongTimeout (" + pongTimeout.toMillis()
                    + " ms) must be shorter than pingInterval (" + pingInterval.toMillis() + " ms)");
        }
    }

    /** CometBFT v0.38's defaults, with the {@link FlushPolicy#WHEN_DRAINED} flush policy. */
    public static MConnectionConfig defaults() {
        return new MConnectionConfig(5_120_000, 5_120_000, 1024, Duration.ofMillis(100), FlushPolicy.WHEN_DRAINED,
                Duration.ofSeconds(60), Duration.ofSeconds(45), Duration.ofSeconds(10), 4L << 20, 10);
    }

    /** A copy with rate limits off in both directions, as benchmarks use. */
    public MConnectionConfig unlimited() {
        return withSendRate(0).withRecvRate(0);
    }

    public MConnectionConfig withSendRate(long bytesPerSecond) {
        return new MConnectionConfig(bytesPerSecond, recvRate, maxPacketMsgPayloadSize, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    public MConnectionConfig withRecvRate(long bytesPerSecond) {
        return new MConnectionConfig(sendRate, bytesPerSecond, maxPacketMsgPayloadSize, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    public MConnectionConfig withMaxPacketMsgPayloadSize(int bytes) {
        return new MConnectionConfig(sendRate, recvRate, bytes, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    public MConnectionConfig withFlushThrottle(Duration throttle) {
        return new MConnectionConfig(sendRate, recvRate, maxPacketMsgPayloadSize, throttle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    public MConnectionConfig withFlushPolicy(FlushPolicy policy) {
        return new MConnectionConfig(sendRate, recvRate, maxPacketMsgPayloadSize, flushThrottle, policy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    /** A copy with both keepalive timings changed (validated together). */
    public MConnectionConfig withKeepalive(Duration pingInterval, Duration pongTimeout) {
        return new MConnectionConfig(sendRate, recvRate, maxPacketMsgPayloadSize, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    public MConnectionConfig withSendTimeout(Duration timeout) {
        return new MConnectionConfig(sendRate, recvRate, maxPacketMsgPayloadSize, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, timeout, maxReassemblyBytes, maxPingsPerSecond);
    }

    public MConnectionConfig withMaxReassemblyBytes(long bytes) {
        return new MConnectionConfig(sendRate, recvRate, maxPacketMsgPayloadSize, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, bytes, maxPingsPerSecond);
    }

    public MConnectionConfig withMaxPingsPerSecond(int pings) {
        return new MConnectionConfig(sendRate, recvRate, maxPacketMsgPayloadSize, flushThrottle, flushPolicy,
                pingInterval, pongTimeout, sendTimeout, maxReassemblyBytes, pings);
    }

    /** Largest encoded packet (without its length prefix) the receiver accepts: 1,034 by default. */
    public int maxPacketSize() {
        return PacketCodec.maxPacketSize(maxPacketMsgPayloadSize);
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
