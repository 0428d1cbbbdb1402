package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2p4j.conn.MConnectionException.PingFloodException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The ping limit's arithmetic, on a hand-driven clock. */
class PingLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void admit(PingLimiter limiter, int pings) throws PingFloodException {
        for (int i = 0; i < pings; i++) {
            limiter.admit();
        }
    }

    @Test
    void aBurstOfTenSecondsWorthPassesAndOneMorePingIsRefusedWithTheFigures() throws Exception {
        PingLimiter limiter = new PingLimiter(10, now::get);
        admit(limiter, 100);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(50)); // half a ping's worth of refill
        assertThatThrownBy(limiter::admit).isInstanceOf(PingFloodException.class)
                .hasMessage("ping flood: 101 pings in 0.050 s, over the limit of 10 per second with bursts of 100"
                        + " (maxPingsPerSecond)");
    }

    @Test
    void aPeerPingingAtTheLimitForeverIsNeverRefused() {
        PingLimiter limiter = new PingLimiter(10, now::get);
        assertThatCode(() -> {
            for (int i = 0; i < 100_000; i++) {
                now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
                limiter.admit();
            }
        }).doesNotThrowAnyException();
    }

    @Test
    void aTimerCatchingUpAfterAPauseStaysInsideTheBurst() throws Exception {
        PingLimiter limiter = new PingLimiter(10, now::get);
        for (int i = 0; i < 50; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            limiter.admit();
        }
        // a 9 s pause, then the 90 pings a fixed-rate timer at 100 ms missed, all at once
        now.addAndGet(TimeUnit.SECONDS.toNanos(9));
        admit(limiter, 90);
    }
}
