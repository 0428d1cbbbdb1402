package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The persistent-peer redial schedule: CometBFT's, then the last interval for ever, and an optional cap. */
class P2pConfigTest {
    @Test
    void reconnectScheduleIsRegularThenExponentialThenCapped() {
        P2pConfig.ReconnectPolicy policy = P2pConfig.ReconnectPolicy.defaults();
        for (int attempt = 0; attempt < 20; attempt++) {
            assertThat(policy.delayBefore(attempt)).isEqualTo(Duration.ofSeconds(5));
        }
        assertThat(policy.delayBefore(20)).isEqualTo(Duration.ofSeconds(3));
        assertThat(policy.delayBefore(21)).isEqualTo(Duration.ofSeconds(9));
        assertThat(policy.delayBefore(29)).isEqualTo(Duration.ofSeconds(59_049)); // 3^10 s, about 16.4 h
        assertThat(policy.delayBefore(30)).isEqualTo(Duration.ofSeconds(59_049)); // and so on, never giving up
        assertThat(policy.delayBefore(1_000)).isEqualTo(Duration.ofSeconds(59_049));
        assertThat(policy.jitter()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void theMailboxReserveIsASettingOf64MiBByDefault() {
        assertThat(P2pConfig.defaults().mailboxReserveBytes()).isEqualTo(64L << 20);
        assertThat(P2pConfig.defaults().withMailboxReserveBytes(0).mailboxReserveBytes()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> P2pConfig.defaults().withMailboxReserveBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mailboxReserveBytes");
    }

    @Test
    void aMaximumIntervalCapsEveryPause() {
        P2pConfig.ReconnectPolicy capped = P2pConfig.ReconnectPolicy.defaults().withMaxInterval(Duration.ofSeconds(30));
        assertThat(capped.delayBefore(0)).isEqualTo(Duration.ofSeconds(5));
        assertThat(capped.delayBefore(21)).isEqualTo(Duration.ofSeconds(9));
        assertThat(capped.delayBefore(22)).isEqualTo(Duration.ofSeconds(27));
        assertThat(capped.delayBefore(23)).isEqualTo(Duration.ofSeconds(30)); // 81 s, capped
        assertThat(capped.delayBefore(1_000)).isEqualTo(Duration.ofSeconds(30));
        assertThat(P2pConfig.ReconnectPolicy.defaults().withMaxInterval(Duration.ofSeconds(2)).delayBefore(0))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(P2pConfig.ReconnectPolicy.defaults().maxInterval()).isZero();
    }
}
