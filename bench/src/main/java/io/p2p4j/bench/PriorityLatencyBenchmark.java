package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.LoopbackConnection;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * High-priority latency under saturation (performance.md S3): over one encrypted MConnection, a
 * 256-byte message on a priority-10 channel every 10 ms, while a priority-1 channel saturates
 * the connection with 64 KiB messages; one-way latency from just before {@code send} to delivery.
 * Also idle (no bulk traffic), and saturated with the socket buffers capped, which shows how much
 * of the delay is bytes queued in the kernel rather than in the MConnection. Run:
 * {@code bench/run priority [--trials N --seconds S]}.
 */
public final class PriorityLatencyBenchmark {
    private static final byte BULK = 0x20;
    private static final byte URGENT = 0x21;

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "3"));
        System.out.printf("Priority latency benchmark: JDK %s, %d cores, encrypted, rate limits off, %d trials of %.1f s"
                + " (after one warm-up), medians over trials%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), trials, seconds);
        try (LoopbackLoops loops = LoopbackLoops.start()) {
            System.out.printf("%-52s %10s %10s %10s %14s%n", "256 B on priority 10, every 10 ms", "p50 ms", "p99 ms",
                    "max ms", "bulk MB/s");
            for (Mode mode : Mode.values()) {
                double[] r = medians(loops, mode, trials, seconds);
                System.out.printf("%-52s %10.3f %10.3f %10.3f %14.0f%n", mode.label, r[0], r[1], r[2], r[3]);
            }
        }
    }

    /** Bulk traffic or none, and the socket buffers (0: the kernel's). */
    enum Mode {
        IDLE("idle", false, 0),
        SATURATED("saturated, kernel's socket buffers", true, 0),
        SATURATED_256K("saturated, socket buffers 256 KiB", true, 256 * 1024),
        SATURATED_128K("saturated, socket buffers 128 KiB", true, 128 * 1024),
        SATURATED_64K("saturated, socket buffers 64 KiB", true, 64 * 1024);

        final String label;
        final boolean saturate;
        final int socketBuffers;

        Mode(String label, boolean saturate, int socketBuffers) {
            this.label = label;
            this.saturate = saturate;
            this.socketBuffers = socketBuffers;
        }
    }

    /** Medians over {@code trials} trials (after a warm-up) of {p50 ms, p99 ms, max ms, bulk MB/s}. */
    static double[] medians(LoopbackLoops loops, Mode mode, int trials, double seconds) throws Exception {
        double[][] figures = Trials.run(trials, seconds,
                window -> run(loops.clients(), loops.servers(), mode.saturate, mode.socketBuffers, window));
        double[] medians = new double[figures.length];
        for (int f = 0; f < figures.length; f++) {
            medians[f] = MConnectionBenchmark.median(figures[f]);
        }
        return medians;
    }

    /** One trial: {p50 ms, p99 ms, max ms, bulk MB/s}. */
    private static double[] run(EventLoopGroup clients, EventLoopGroup servers, boolean saturate, int socketBuffers,
            double seconds) throws Exception {
        try (LoopbackConnection pair = LoopbackConnection.open(clients, servers, socketBuffers, UnaryOperator.identity())) {
            SecretConnectionBenchmark.secure(pair);
            List<ChannelDescriptor> channels = List.of(
                    ChannelDescriptor.builder(BULK).priority(1).sendQueueCapacity(16).build(),
                    ChannelDescriptor.builder(URGENT).priority(10).sendQueueCapacity(16).build());
            MConnectionConfig config = MConnectionConfig.defaults().unlimited();
            int maxSamples = (int) (seconds * 100) + 100;
            AtomicLongArray latencies = new AtomicLongArray(maxSamples);
            AtomicInteger samples = new AtomicInteger();
            AtomicLong bulkBytes = new AtomicLong();
            AtomicBoolean measuring = new AtomicBoolean();
            MConnection receiver = MConnection.builder(pair.server()).channels(channels).config(config)
                    .onReceive((id, msg) -> {
                        if (id == URGENT) {
                            long sent = ByteBuffer.wrap(msg).getLong();
                            int i = samples.getAndIncrement();
                            if (i < maxSamples) {
                                latencies.set(i, System.nanoTime() - sent);
                            }
                        } else if (measuring.get()) {
                            bulkBytes.addAndGet(msg.length);
                        }
                    }).start();
            MConnection sender = MConnection.builder(pair.client()).channels(channels).config(config).start();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread pusher = null;
            if (saturate) {
                byte[] bulk = new byte[64 * 1024];
                pusher = Thread.ofPlatform().start(() -> {
                    while (running.get() && sender.send(BULK, bulk)) {
                        // saturate
                    }
                });
                LockSupport.parkNanos(300_000_000L); // let the queues and socket buffers fill
            }
            measuring.set(true);
            long t0 = System.nanoTime();
            long deadline = t0 + (long) (seconds * 1e9);
            for (long next = t0; next < deadline; next += 10_000_000L) {
                LockSupport.parkNanos(next - System.nanoTime());
                byte[] urgent = new byte[256]; // a queued message is the caller's no more: never reuse it
                ByteBuffer.wrap(urgent).putLong(System.nanoTime());
                sender.send(URGENT, urgent);
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double mbs = bulkBytes.get() / elapsed / 1e6;
            long waitUntil = System.nanoTime() + 2_000_000_000L;
            int expected = (int) Math.ceil(seconds * 100);
            while (samples.get() < expected && System.nanoTime() < waitUntil) {
                LockSupport.parkNanos(1_000_000L); // the last few are still on their way
            }
            running.set(false);
            sender.close();
            receiver.close();
            if (pusher != null) {
                pusher.join();
            }
            long[] got = new long[Math.min(samples.get(), maxSamples)];
            if (got.length == 0) {
                throw new IllegalStateException("no urgent message arrived");
            }
            for (int i = 0; i < got.length; i++) {
                got[i] = latencies.get(i);
            }
            Arrays.sort(got);
            return new double[] {got[got.length / 2] / 1e6, got[(int) Math.ceil(got.length * 0.99) - 1] / 1e6,
                    got[got.length - 1] / 1e6, mbs};
        }
    }

    private PriorityLatencyBenchmark() {}
}
