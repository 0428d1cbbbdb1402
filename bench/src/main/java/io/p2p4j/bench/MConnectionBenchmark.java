package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.conn.MConnectionConfig.FlushPolicy;
import io.p2p4j.testing.LoopbackConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Loopback benchmark of one plaintext MConnection, rate limits off: bulk throughput for 1 KiB
 * and 64 KiB messages, and the one-way latency of a lone small message on an idle connection,
 * under both flush policies. Each figure is the median [min-max] of several timed trials after
 * one warm-up trial. Run: {@code ./bench/run mconn} (see the README).
 */
public final class MConnectionBenchmark {
    private static final byte CHANNEL = 0x20;

    public static void main(String[] args) throws Exception {
        int trials = intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(stringArg(args, "--seconds", "2"));
        System.out.printf("MConnection loopback benchmark: JDK %s, %d cores, %d trials of %.1f s (after one warm-up)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), trials, seconds);
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup servers = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            System.out.printf("%-40s %28s %22s%n", "scenario", "MB/s median [min-max]", "msgs/s median");
            for (FlushPolicy policy : FlushPolicy.values()) {
                for (int[] mix : MIXES) {
                    int size = mix[0];
                    int queue = mix[1];
                    double[] mbs = new double[trials];
                    double[] rates = new double[trials];
                    throughput(clients, servers, policy, size, queue, seconds / 2);
                    for (int t = 0; t < trials; t++) {
                        double[] r = throughput(clients, servers, policy, size, queue, seconds);
                        mbs[t] = r[0];
                        rates[t] = r[1];
                    }
                    System.out.printf("%-40s %28s %22.0f%n", "throughput " + size + " B, queue " + queue + ", " + policy,
                            summary(mbs, "%.0f"), median(rates));
                }
            }
            System.out.printf("%n%-40s %14s %14s %14s%n", "idle one-way latency, 256 B every 2 ms", "p50 us", "p99 us", "max us");
            for (FlushPolicy policy : FlushPolicy.values()) {
                latency(clients, servers, policy, 50);
                long[] all = latency(clients, servers, policy, 500);
                System.out.printf("%-40s %14.1f %14.1f %14.1f%n", policy, all[all.length / 2] / 1e3,
                        all[(int) (all.length * 0.99)] / 1e3, all[all.length - 1] / 1e3);
            }
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            servers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static MConnectionConfig config(FlushPolicy policy) {
        return MConnectionConfig.defaults().unlimited().withFlushPolicy(policy);
    }

    /**
     * {message size, send queue capacity}: small messages with CometBFT's default queue of one
     * message, a short and a longer queue (with 16 places the sender sleeps and is woken every few
     * messages, and that hand-off sets the rate), and bulk messages.
     */
    static final int[][] MIXES = {{1024, 1}, {1024, 16}, {1024, 128}, {64 * 1024, 16}};

    static List<ChannelDescriptor> channels(int queue) {
        return List.of(ChannelDescriptor.builder(CHANNEL).sendQueueCapacity(queue).recvMessageCapacity(1 << 20).build());
    }

    /** Returns {MB/s, messages/s} delivered while one thread sends as fast as it can. */
    private static double[] throughput(EventLoopGroup clients, EventLoopGroup servers, FlushPolicy policy,
            int size, int queue, double seconds) throws Exception {
        try (LoopbackConnection pair = LoopbackConnection.open(clients, servers)) {
            AtomicLong bytes = new AtomicLong();
            AtomicLong messages = new AtomicLong();
            MConnection receiver = MConnection.builder(pair.server()).channels(channels(queue)).config(config(policy))
                    .onReceive((id, msg) -> {
                        bytes.addAndGet(msg.length);
                        messages.incrementAndGet();
                    }).start();
            MConnection sender = MConnection.builder(pair.client()).channels(channels(queue)).config(config(policy)).start();
            byte[] payload = new byte[size];
            AtomicBoolean running = new AtomicBoolean(true);
            Thread pusher = Thread.ofPlatform().start(() -> {
                while (running.get() && sender.send(CHANNEL, payload)) {
                    // saturate
                }
            });
            long warm = System.nanoTime() + 200_000_000L;
            while (System.nanoTime() < warm) {
                LockSupport.parkNanos(10_000_000L);
            }
            long b0 = bytes.get();
            long m0 = messages.get();
            long t0 = System.nanoTime();
            LockSupport.parkNanos((long) (seconds * 1e9));
            long t1 = System.nanoTime();
            double elapsed = (t1 - t0) / 1e9;
            double mbs = (bytes.get() - b0) / elapsed / 1e6;
            double rate = (messages.get() - m0) / elapsed;
            running.set(false);
            sender.close();
            receiver.close();
            pusher.join();
            return new double[] {mbs, rate};
        }
    }

    /** One-way latencies in nanoseconds of a 256-byte message sent every 2 ms, sorted. */
    private static long[] latency(EventLoopGroup clients, EventLoopGroup servers, FlushPolicy policy, int count)
            throws Exception {
        try (LoopbackConnection pair = LoopbackConnection.open(clients, servers)) {
            long[] results = new long[count];
            AtomicLong sentAt = new AtomicLong();
            CountDownLatch[] arrived = new CountDownLatch[1];
            long[] latest = new long[1];
            MConnection receiver = MConnection.builder(pair.server()).channels(channels(16)).config(config(policy))
                    .onReceive((id, msg) -> {
                        latest[0] = System.nanoTime() - sentAt.get();
                        arrived[0].countDown();
                    }).start();
            MConnection sender = MConnection.builder(pair.client()).channels(channels(16)).config(config(policy)).start();
            byte[] payload = new byte[256];
            for (int i = 0; i < count; i++) {
                arrived[0] = new CountDownLatch(1);
                sentAt.set(System.nanoTime());
                sender.send(CHANNEL, payload);
                if (!arrived[0].await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("message " + i + " did not arrive");
                }
                results[i] = latest[0];
                LockSupport.parkNanos(2_000_000L);
            }
            sender.close();
            receiver.close();
            Arrays.sort(results);
            return results;
        }
    }

    static String summary(double[] values, String format) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format(format + " [" + format + "-" + format + "]", median(values), sorted[0],
                sorted[sorted.length - 1]);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static int intArg(String[] args, String name, int fallback) {
        return Integer.parseInt(stringArg(args, name, Integer.toString(fallback)));
    }

    static String stringArg(String[] args, String name, String fallback) {
        List<String> list = new ArrayList<>(List.of(args));
        int i = list.indexOf(name);
        return i >= 0 && i + 1 < list.size() ? list.get(i + 1) : fallback;
    }

    private MConnectionBenchmark() {}
}
