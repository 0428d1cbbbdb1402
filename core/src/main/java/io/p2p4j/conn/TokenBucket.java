package io.p2p4j.conn;

import java.util.function.LongSupplier;

/**
 * A byte-rate limiter: tokens accrue at {@code rate} per second up to a burst of a tenth of a
 * second's worth (CometBFT's flowrate budget per 100 ms sample). Bytes are taken after the fact,
 * so the count may go negative by one batch; the caller then waits {@link #delayNanos()}. A rate
 * of 0 or less means unlimited. Not thread-safe: each bucket belongs to one event loop.
 */
final class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long rate;
    private final long burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long lastRefill;

    TokenBucket(long bytesPerSecond, LongSupplier nanoClock) {
        this.rate = bytesPerSecond;
        this.burst = Math.max(1, bytesPerSecond / 10);
        this.nanoClock = nanoClock;
        this.lastRefill = nanoClock.getAsLong();
        this.tokens = burst;
    }

    boolean isUnlimited() {
        return rate <= 0;
    }

    /** Records {@code bytes} as sent or received. */
    void take(long bytes) {
        if (isUnlimited()) {
            return;
        }
        refill();
        tokens -= bytes;
    }

    /** Nanoseconds until some tokens are available again; 0 if there are some now. */
    long delayNanos() {
        if (isUnlimited()) {
            return 0;
        }
        refill();
        if (tokens > 0) {
            return 0;
        }
        double missing = 1 - tokens;
        return Math.max(1_000_000L, (long) Math.ceil(missing * NANOS_PER_SECOND / rate));
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - lastRefill;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + (double) elapsed * rate / NANOS_PER_SECOND);
            lastRefill = now;
        }
    }
}
