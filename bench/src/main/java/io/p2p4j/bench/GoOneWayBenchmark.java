package io.p2p4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Go CometBFT v0.38.25's one-way throughput, the Go side of performance.md S1a and S2: a go-peer
 * sender ({@code -bench-oneway}) pushes 64 KiB messages, then 1 KiB messages, to a go-peer sink
 * ({@code -sink}) over one SecretConnection, rate limits off, on one channel with go-peer's send
 * queue of 100; the sink measures what it receives from the first message to the last of each
 * run and answers one acknowledgement request at the end, so the rate is delivered payload at
 * the receiver, as p2p4j's is in {@link SecretConnectionBenchmark}. Run:
 * {@code bench/run go-oneway [--trials N]} (needs Go).
 */
public final class GoOneWayBenchmark {
    /** {size, count} of each run: each lasts about a second or more at Go's rates on a 2-core machine. */
    static final int[][] MIX = {{64 * 1024, 3000}, {1024, 100_000}};

    /** Delivered payload MB/s and messages/s of one run. */
    record Rate(double megabytesPerSecond, double messagesPerSecond) {}

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        Path goPeer = InteropBenchmark.buildGoPeerOrSay("nothing to run");
        if (goPeer == null) {
            return;
        }
        Path work = Files.createTempDirectory("p2p4j-go-oneway-bench");
        System.out.printf("Go one-way benchmark: CometBFT v0.38.25 go-peer -> go-peer sink, %d cores, %d trials%n",
                Runtime.getRuntime().availableProcessors(), trials);
        double[][] rates = trials(goPeer, work, trials);
        System.out.printf("%-24s %24s %24s%n", "Go -> Go, one way", "MB/s [min-max]", "messages/s [min-max]");
        for (int m = 0; m < MIX.length; m++) {
            System.out.printf("%-24s %24s %24s%n", MIX[m][1] + " x " + MIX[m][0] + " B",
                    MConnectionBenchmark.summary(rates[2 * m], "%.1f"), MConnectionBenchmark.summary(rates[2 * m + 1], "%.0f"));
        }
    }

    /**
     * {64 KiB MB/s, 64 KiB messages/s, 1 KiB MB/s, 1 KiB messages/s}, one value per trial; each
     * trial is a new sink and sender.
     */
    static double[][] trials(Path goPeer, Path work, int trials) throws Exception {
        double[][] rates = new double[2 * MIX.length][trials];
        for (int t = 0; t < trials; t++) {
            List<Rate> runs = trial(goPeer, work);
            for (int m = 0; m < MIX.length; m++) {
                rates[2 * m][t] = runs.get(m).megabytesPerSecond();
                rates[2 * m + 1][t] = runs.get(m).messagesPerSecond();
            }
        }
        return rates;
    }

    /** One sink and one sender, each run of {@link #MIX} in turn; the sink's rate for each. */
    static List<Rate> trial(Path goPeer, Path work) throws Exception {
        StringBuilder mix = new StringBuilder();
        for (int[] run : MIX) {
            mix.append(mix.isEmpty() ? "" : ",").append(run[0]).append('x').append(run[1]);
        }
        try (ChildProcess sink = ChildProcess.goPeer(goPeer, work, "-moniker", "sink", "-echo=false", "-sink",
                "-log-level", "error")) {
            String address = sink.waitFor("READY", 60).replaceFirst(".*addr=", "");
            try (ChildProcess sender = ChildProcess.goPeer(goPeer, work, "-moniker", "sender", "-echo=false",
                    "-log-level", "error", "-bench-oneway", address, "-bench-oneway-mix", mix.toString())) {
                String end = sender.waitForAny(List.of("BENCH done", "BENCH error"), 600);
                if (end.startsWith("BENCH error")) {
                    throw new IllegalStateException("go-peer one-way sender: " + end);
                }
            }
            List<String> tallies = tallies(sink);
            for (long waitUntil = System.nanoTime() + 10_000_000_000L; tallies.size() < MIX.length
                    && System.nanoTime() < waitUntil; tallies = tallies(sink)) {
                LockSupport.parkNanos(10_000_000L); // printed before its answer, but read from its pipe separately
            }
            if (tallies.size() != MIX.length) {
                throw new IllegalStateException("go-peer sink printed " + tallies + " for " + MIX.length + " runs");
            }
            return tallies.stream().map(line -> {
                double seconds = HandshakeBenchmark.field(line, "seconds=");
                return new Rate(HandshakeBenchmark.field(line, "bytes=") / seconds / 1e6,
                        HandshakeBenchmark.field(line, "messages=") / seconds);
            }).toList();
        }
    }

    private static List<String> tallies(ChildProcess sink) {
        return sink.lines().stream().filter(line -> line.startsWith("SINK ")).toList();
    }

    private GoOneWayBenchmark() {}
}
