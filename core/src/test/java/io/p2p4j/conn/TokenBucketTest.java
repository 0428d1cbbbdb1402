package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rate limiter's arithmetic, on a hand-driven clock. */
class TokenBucketTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void zeroOrNegativeRateIsUnlimited() {
        for (long rate : new long[] {0, -1, Long.MIN_VALUE}) {
            TokenBucket bucket = new TokenBucket(rate, now::get);
            assertThat(bucket.isUnlimited()).as("rate %d", rate).isTrue();
            for (int i = 0; i < 10; i++) {
                bucket.take(1L << 40);
                assertThat(bucket.delayNanos()).as("rate %d after %d TiB", rate, i + 1).isZero();
            }
        }
    }

    @Test
    void aPositiveRateAllowsOneTenthOfASecondAsBurstThenMakesTheCallerWait() {
        TokenBucket bucket = new TokenBucket(1_000_000, now::get);
        assertThat(bucket.isUnlimited()).isFalse();
        bucket.take(99_999);
        assertThat(bucket.delayNanos()).isZero(); // one token of the 100,000-byte burst left
        bucket.take(1_000);
        // 999 bytes over, plus one token: 1,000 bytes at 1 MB/s is 1 ms
        assertThat(bucket.delayNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(bucket.delayNanos()).isZero();
        // idle time refills no more than the burst
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        bucket.take(100_000);
        assertThat(bucket.delayNanos()).isPositive();
    }
}
