package io.p2p4j.interop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a missing Go fails the tests instead of skipping them. */
class GoPeerTest {
    @Test
    void anyCiValueButFalseOrZeroRequiresGo() {
        for (String ci : new String[] {"true", "TRUE", "1", "yes", "woodpecker"}) {
            assertThat(GoPeer.requiresGo(ci)).as(ci).isTrue();
        }
        for (String ci : new String[] {null, "", " ", "false", "False", "0"}) {
            assertThat(GoPeer.requiresGo(ci)).as(String.valueOf(ci)).isFalse();
        }
    }
}
