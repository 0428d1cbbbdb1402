package io.p2p4j.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Repeats a timed trial after one warm-up, as every loopback benchmark here does. */
final class Trials {
    /** One timed trial of {@code seconds}, returning its figures (the same ones, in the same order, each time). */
    interface Trial {
        double[] run(double seconds) throws Exception;
    }

    /**
     * Runs {@code trial} once for half the time (a warm-up, thrown away), then {@code trials}
     * times; returns each figure's values, one per trial: {@code [figure][trial]}.
     */
    static double[][] run(int trials, double seconds, Trial trial) throws Exception {
        trial.run(seconds / 2);
        double[][] figures = null;
        for (int t = 0; t < trials; t++) {
            double[] result = trial.run(seconds);
            if (figures == null) {
                figures = new double[result.length][trials];
            }
            for (int f = 0; f < result.length; f++) {
                figures[f][t] = result[f];
            }
        }
        return figures;
    }

    /**
     * Lets a running transfer settle for 200 ms, then returns how fast {@code bytes} (MB/s) and
     * {@code count} (per second) grow over the next {@code seconds}.
     */
    static double[] rates(AtomicLong bytes, AtomicLong count, double seconds) {
        LockSupport.parkNanos(200_000_000L);
        long b0 = bytes.get();
        long c0 = count.get();
        long t0 = System.nanoTime();
        LockSupport.parkNanos((long) (seconds * 1e9));
        double elapsed = (System.nanoTime() - t0) / 1e9;
        return new double[] {(bytes.get() - b0) / elapsed / 1e6, (count.get() - c0) / elapsed};
    }

    private Trials() {}
}
