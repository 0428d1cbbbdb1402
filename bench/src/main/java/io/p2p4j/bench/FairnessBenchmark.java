package io.p2p4j.bench;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.LoopbackConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Priority fairness under saturation (performance.md S4): three channels with priorities 1, 5
 * and 10 over one encrypted MConnection, each kept full of 64 KiB messages by a sender of its
 * own; each channel's share of the bytes delivered in every 1 s window after 2 s, against the
 * ideal share (its priority over the sum), and the total throughput. Run:
 * {@code bench/run fairness [--windows N]}.
 */
public final class FairnessBenchmark {
    private static final int[] PRIORITIES = {1, 5, 10};

    public static void main(String[] args) throws Exception {
        int windows = MConnectionBenchmark.intArg(args, "--windows", 8);
        System.out.printf("Fairness benchmark: JDK %s, %d cores, encrypted, rate limits off, priorities 1:5:10, "
                + "64 KiB messages, %d windows of 1 s after 2 s%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), windows);
        Shares shares = measure(windows);
        System.out.printf("largest deviation from the ideal share in any window: %.1f percentage points (%.1f %% of"
                + " that share)%n", shares.worstDeviationPoints(), shares.worstDeviationPercentOfIdeal());
    }

    /**
     * The largest deviation of any channel's share from its ideal in any window, in percentage
     * points and as a percentage of that ideal share, and the median total throughput.
     */
    record Shares(double worstDeviationPoints, double worstDeviationPercentOfIdeal, double medianTotalMbs) {}

    /** Saturates the three channels, prints each window's shares and returns what they show. */
    static Shares measure(int windows) throws Exception {
        try (LoopbackLoops loops = LoopbackLoops.start();
                LoopbackConnection pair = LoopbackConnection.open(loops.clients(), loops.servers())) {
            SecretConnectionBenchmark.secure(pair);
            List<ChannelDescriptor> channels = new ArrayList<>();
            for (int i = 0; i < PRIORITIES.length; i++) {
                channels.add(ChannelDescriptor.builder((byte) (0x20 + i)).priority(PRIORITIES[i]).sendQueueCapacity(16).build());
            }
            MConnectionConfig config = MConnectionConfig.defaults().unlimited();
            AtomicLongArray bytes = new AtomicLongArray(PRIORITIES.length);
            MConnection receiver = MConnection.builder(pair.server()).channels(channels).config(config)
                    .onReceive((id, msg) -> bytes.addAndGet(id - 0x20, msg.length)).start();
            MConnection sender = MConnection.builder(pair.client()).channels(channels).config(config).start();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> senders = new ArrayList<>();
            byte[] payload = new byte[64 * 1024];
            for (int i = 0; i < PRIORITIES.length; i++) {
                byte id = (byte) (0x20 + i);
                senders.add(Thread.ofPlatform().start(() -> {
                    while (running.get() && sender.send(id, payload)) {
                        // saturate this channel
                    }
                }));
            }
            LockSupport.parkNanos(2_000_000_000L);
            int sum = 0;
            for (int p : PRIORITIES) {
                sum += p;
            }
            System.out.printf("%-8s %12s %12s %12s %12s%n", "window", "share p=1", "share p=5", "share p=10", "total MB/s");
            System.out.printf("%-8s %11.1f%% %11.1f%% %11.1f%%%n", "ideal", 100.0 * PRIORITIES[0] / sum,
                    100.0 * PRIORITIES[1] / sum, 100.0 * PRIORITIES[2] / sum);
            double worstDeviation = 0;
            double worstRelative = 0;
            double[] totals = new double[windows];
            long[] before = snapshot(bytes);
            for (int w = 0; w < windows; w++) {
                long t0 = System.nanoTime();
                LockSupport.parkNanos(1_000_000_000L);
                long[] after = snapshot(bytes);
                double elapsed = (System.nanoTime() - t0) / 1e9;
                long total = 0;
                for (int i = 0; i < after.length; i++) {
                    total += after[i] - before[i];
                }
                double[] shares = new double[after.length];
                for (int i = 0; i < after.length; i++) {
                    shares[i] = total == 0 ? 0 : (double) (after[i] - before[i]) / total;
                    double ideal = (double) PRIORITIES[i] / sum;
                    worstDeviation = Math.max(worstDeviation, Math.abs(shares[i] - ideal));
                    worstRelative = Math.max(worstRelative, Math.abs(shares[i] - ideal) / ideal);
                }
                totals[w] = total / elapsed / 1e6;
                System.out.printf("%-8d %11.1f%% %11.1f%% %11.1f%% %12.0f%n", w + 1, 100 * shares[0], 100 * shares[1],
                        100 * shares[2], totals[w]);
                before = after;
            }
            running.set(false);
            sender.close();
            receiver.close();
            for (Thread t : senders) {
                t.join();
            }
            return new Shares(100 * worstDeviation, 100 * worstRelative, MConnectionBenchmark.median(totals));
        }
    }

    private static long[] snapshot(AtomicLongArray values) {
        long[] out = new long[values.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private FairnessBenchmark() {}
}
