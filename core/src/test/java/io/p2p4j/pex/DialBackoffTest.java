package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reactor's redial backoff: its doubling wait, its bound and its pruning. */
class DialBackoffTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    static NetAddress address(int i) {
        return new NetAddress(NodeKey.generate().id(), "1.2.3." + (1 + i % 250), 26656);
    }

    @Test
    void eachFailureDoublesTheWait() {
        DialBackoff backoff = new DialBackoff(Duration.ofSeconds(1), 10);
        NetAddress a = address(0);
        assertThat(backoff.mayDial(a, 0)).isTrue();
        assertThat(backoff.failed(a, 0)).isEqualTo(1);
        assertThat(backoff.mayDial(a, 2 * SECOND - 1)).isFalse();
        assertThat(backoff.mayDial(a, 2 * SECOND)).isTrue();
        assertThat(backoff.failed(a, 2 * SECOND)).isEqualTo(2);
        assertThat(backoff.mayDial(a, 6 * SECOND - 1)).isFalse();
        assertThat(backoff.mayDial(a, 6 * SECOND)).isTrue();
        backoff.forget(a);
        assertThat(backoff.mayDial(a, 2 * SECOND)).isTrue();
    }

    @Test
    void failuresOfManyAddressesKeepOnlyTheMostRecentUpToTheCapacity() {
        DialBackoff backoff = new DialBackoff(Duration.ofSeconds(1), 100);
        NetAddress first = address(0);
        backoff.failed(first, 0);
        NetAddress last = null;
        for (int i = 1; i <= 10_000; i++) {
            last = address(i);
            backoff.failed(last, i);
        }
        assertThat(backoff.size()).isEqualTo(100);
        assertThat(backoff.mayDial(first, 1)).as("the oldest failure was forgotten").isTrue();
        assertThat(backoff.mayDial(last, 10_001)).as("the newest is still backing off").isFalse();
    }

    @Test
    void retainIfForgetsWhatTheBookNoLongerHolds() {
        DialBackoff backoff = new DialBackoff(Duration.ofSeconds(1), 100);
        NetAddress kept = address(1);
        NetAddress gone = address(2);
        backoff.failed(kept, 0);
        backoff.failed(gone, 0);
        backoff.retainIf(kept::equals);
        assertThat(backoff.size()).isEqualTo(1);
        assertThat(backoff.mayDial(kept, 1)).isFalse();
        assertThat(backoff.mayDial(gone, 1)).isTrue();
    }
}
