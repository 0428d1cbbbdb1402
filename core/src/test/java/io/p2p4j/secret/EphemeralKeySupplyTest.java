package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2p4j.crypto.X25519Keys;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The supply of ephemeral key pairs: every pair is handed out once, the supply never holds more
 * than its capacity, and pairs are made only by the tasks it gives its executor (here a queue the
 * test runs by hand), never by the caller of take.
 */
class EphemeralKeySupplyTest {
    private final Queue<Runnable> makers = new ArrayDeque<>();

    /** Runs the queued refill tasks, as the crypto threads would; returns how many ran. */
    private int runMakers() {
        return runMakers(makers);
    }

    /** Runs the refill tasks queued in {@code makers}, and those they queue, up to 1,000: the refill must end. */
    static int runMakers(java.util.Queue<Runnable> makers) {
        int ran = 0;
        for (; !makers.isEmpty() && ran < 1_000; ran++) {
            makers.remove().run();
        }
        assertThat(makers).as("the refill ends").isEmpty();
        return ran;
    }

    @Test
    void anEmptySupplyGivesNothingAndComputesNothingButQueuesOneRefill() {
        EphemeralKeySupply supply = new EphemeralKeySupply(8, makers::add);
        assertThat(supply.take()).isNull();
        assertThat(supply.take()).isNull();
        assertThat(supply.ready()).as("no pair made by the caller").isZero();
        assertThat(makers).as("one refill at a time").hasSize(1);
    }

    @Test
    void aRefillFillsToCapacityAndNoFurther() {
        EphemeralKeySupply supply = new EphemeralKeySupply(10, makers::add);
        supply.take();
        int tasks = runMakers();
        assertThat(supply.ready()).isEqualTo(10);
        // a few pairs per task, so that handshake steps queued behind a refill are not held up by all of it
        assertThat(tasks).isEqualTo((10 + EphemeralKeySupply.PAIRS_PER_TASK - 1) / EphemeralKeySupply.PAIRS_PER_TASK);
        supply.take(); // 9 left, above half: no refill
        assertThat(makers).isEmpty();
    }

    @Test
    void everyPairIsHandedOutOnceAndIsAWorkingKeyPair() {
        EphemeralKeySupply supply = new EphemeralKeySupply(8, makers::add);
        supply.take();
        Set<String> seen = new HashSet<>();
        List<EphemeralKeySupply.KeyPair> taken = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            runMakers();
            EphemeralKeySupply.KeyPair pair = supply.take();
            assertThat(pair).isNotNull();
            assertThat(seen.add(HexFormat.of().formatHex(pair.privateKey()))).as("pair %d is new", i).isTrue();
            assertThat(supply.ready()).isLessThanOrEqualTo(8);
            taken.add(pair);
        }
        for (EphemeralKeySupply.KeyPair pair : taken.subList(0, 5)) {
            assertThat(pair.publicKey()).isEqualTo(X25519Keys.publicKey(pair.privateKey()));
        }
    }

    @Test
    void refillStartsWhenHalfOrLessIsLeft() {
        EphemeralKeySupply supply = new EphemeralKeySupply(8, makers::add);
        supply.take();
        runMakers();
        for (int i = 0; i < 3; i++) {
            supply.take(); // 7, 6, 5 left
        }
        assertThat(makers).isEmpty();
        supply.take(); // 4 left: half
        assertThat(makers).hasSize(1);
        runMakers();
        assertThat(supply.ready()).isEqualTo(8);
    }

    @Test
    void capacityMustBePositive() {
        assertThatThrownBy(() -> new EphemeralKeySupply(0, makers::add)).isInstanceOf(IllegalArgumentException.class);
    }
}
