package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.LoopbackConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup servers = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (LoopbackConnection pair = LoopbackConnection.open(clients, servers)) {
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
                    worstDeviation = Math.max(worstDeviation, Math.abs(shares[i] - (double) PRIORITIES[i] / sum));
                }
                System.out.printf("%-8d %11.1f%% %11.1f%% %11.1f%% %12.0f%n", w + 1, 100 * shares[0], 100 * shares[1],
                        100 * shares[2], total / elapsed / 1e6);
                before = after;
            }
            System.out.printf("largest deviation from the ideal share in any window: %.1f percentage points%n",
                    100 * worstDeviation);
            running.set(false);
            sender.close();
            receiver.close();
            for (Thread t : senders) {
                t.join();
            }
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            servers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
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
