package io.p2p4j.conn;

import io.p2p4j.conn.MConnectionException.PingFloodException;
import java.util.function.LongSupplier;

/**
 * Bounds the pings a remote may send: a bucket of {@link #burst()} pings, refilled at
 * {@code pingsPerSecond}. The burst is {@link #BURST_SECONDS} seconds' worth, so that an honest
 * peer whose timer catches up after a pause (a fixed-rate timer fires the missed pings at once),
 * or whose pings we read late after a pause of our own, stays well inside it. Not thread-safe:
 * it belongs to the connection's event loop.
 */
final class PingLimiter {
    /** Seconds' worth of pings allowed at once. */
    static final int BURST_SECONDS = 10;
    private static final double NANOS_PER_SECOND = 1e9;

    private final int pingsPerSecond;
    private final int burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long lastRefill;
    private long received;
    private long firstNanos;

    PingLimiter(int pingsPerSecond, LongSupplier nanoClock) {
        this.pingsPerSecond = pingsPerSecond;
        this.burst = (int) Math.min(Integer.MAX_VALUE, (long) pingsPerSecond * BURST_SECONDS);
        this.nanoClock = nanoClock;
        this.lastRefill = nanoClock.getAsLong();
        this.tokens = burst;
    }

    int burst() {
        return burst;
    }

    /** Counts one ping. @throws PingFloodException if it is over the limit, naming it and the figures */
    void admit() throws PingFloodException {
        long now = nanoClock.getAsLong();
        if (received++ == 0) {
            firstNanos = now;
        }
        tokens = Math.min(burst, tokens + (now - lastRefill) * pingsPerSecond / NANOS_PER_SECOND);
        lastRefill = now;
        if (tokens < 1) {
            throw new PingFloodException(String.format(
                    "ping flood: %,d pings in %.3f s, over the limit of %,d per second with bursts of %,d"
                            + " (maxPingsPerSecond)",
                    received, (now - firstNanos) / NANOS_PER_SECOND, pingsPerSecond, burst));
        }
        tokens -= 1;
    }
}
