package io.p2p4j.net;

import java.time.Duration;
import java.util.Objects;

/**
 * Faults injected into every connection of a node, to see how reactors cope with a bad network:
 * CometBFT's {@code test_fuzz} and {@code test_fuzz_config} (the seed's FuzzedConnection). Off by
 * default, and then nothing is added to a connection's pipeline: it costs nothing.
 *
 * <p>The faults act on the raw bytes under the SecretConnection, so a dropped or cut read or
 * write breaks the stream's authentication and the peer is stopped: reactors see whole messages
 * or a stopped peer, never a damaged message. Delays keep the order of the bytes.
 *
 * @param enabled            whether faults are injected at all (default false)
 * @param mode               {@link Mode#DROP} (each read and each write: dropped with
 *                           {@code probDropReadWrite}, else the connection is closed with
 *                           {@code probDropConnection}, else held for a random time up to
 *                           {@code maxDelay} with {@code probSleep}) or {@link Mode#DELAY} (every
 *                           read and write held for a random time up to {@code maxDelay});
 *                           default DROP, as CometBFT
 * @param maxDelay           the longest a read or write is held (default 3 s, as CometBFT)
 * @param probDropReadWrite  DROP mode: chance that a read or write is dropped (default 0.2, as CometBFT)
 * @param probDropConnection DROP mode: chance that the connection is closed instead (default 0)
 * @param probSleep          DROP mode: chance that a read or write is held instead (default 0)
 * @param startAfter         faults begin this long after a connection opens, so that it gets
 *                           through its handshakes first (default 10 s, CometBFT's)
 */
public record FaultInjection(boolean enabled, Mode mode, Duration maxDelay, double probDropReadWrite,
        double probDropConnection, double probSleep, Duration startAfter) {

    /** How faults are chosen; CometBFT's {@code test_fuzz_config.mode} 0 and 1. */
    public enum Mode { DROP, DELAY }

    public FaultInjection {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(startAfter, "startAfter");
        if (maxDelay.isNegative() || startAfter.isNegative()) {
            throw new IllegalArgumentException("maxDelay and startAfter must not be negative");
        }
        requireProbability("probDropReadWrite", probDropReadWrite);
        requireProbability("probDropConnection", probDropConnection);
        requireProbability("probSleep", probSleep);
        if (probDropReadWrite + probDropConnection + probSleep > 1.0 + 1e-9) {
            throw new IllegalArgumentException("probDropReadWrite + probDropConnection + probSleep must be at most 1, got "
                    + (probDropReadWrite + probDropConnection + probSleep));
        }
    }

    /** No faults: the default. */
    public static FaultInjection off() {
        return new FaultInjection(false, Mode.DROP, Duration.ofSeconds(3), 0.2, 0, 0, Duration.ofSeconds(10));
    }

    /** CometBFT's default fuzz settings, switched on. */
    public static FaultInjection cometBftDefaults() {
        return new FaultInjection(true, Mode.DROP, Duration.ofSeconds(3), 0.2, 0, 0, Duration.ofSeconds(10));
    }

    /** Every read and write held for up to {@code maxDelay}, from {@code startAfter} on. */
    public static FaultInjection delays(Duration maxDelay, Duration startAfter) {
        return new FaultInjection(true, Mode.DELAY, maxDelay, 0, 0, 0, startAfter);
    }

    /** DROP mode with these probabilities, from {@code startAfter} on. */
    public static FaultInjection drops(double dropReadWrite, double dropConnection, double sleep, Duration maxDelay,
            Duration startAfter) {
        return new FaultInjection(true, Mode.DROP, maxDelay, dropReadWrite, dropConnection, sleep, startAfter);
    }

    private static void requireProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, got " + p);
        }
    }
}
