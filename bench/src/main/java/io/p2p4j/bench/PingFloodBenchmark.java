package io.p2p4j.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.LoopbackConnection;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A healthy connection's latency while another peer on the same event loop floods pings
 * (hostile-peer issue: pings cannot buy unbounded work). One event loop serves the healthy
 * receiver and every flooded connection; the flooder writes 100,000 pings in one go, and opens a
 * new connection each time the node ends one for flooding. Reports the healthy connection's p50
 * and p99 one-way latency of 64-byte messages sent one after another, before and during the
 * flood, and how many flooding connections were ended. Run: {@code bench/run pingflood}.
 */
public final class PingFloodBenchmark {
    private static final byte CHANNEL = 0x20;
    private static final List<ChannelDescriptor> CHANNELS = List.of(ChannelDescriptor.of(CHANNEL, 1));
    /** A PacketPing with its length prefix: field 1 (packet_ping), length 0. */
    private static final byte[] PING = {0x02, 0x0a, 0x00};
    private static final int PINGS_PER_WRITE = 100_000;

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        int messages = MConnectionBenchmark.intArg(args, "--messages", 2_000);
        System.out.printf("Ping flood: JDK %s, %d cores, %d trials of %d messages%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), trials, messages);
        double[][] figures = run(trials, messages);
        System.out.printf("%-34s %24s%n", "healthy connection", "median [min-max]");
        System.out.printf("%-34s %24s%n", "p50 before (ms)", MConnectionBenchmark.summary(figures[0], "%.3f"));
        System.out.printf("%-34s %24s%n", "p99 before (ms)", MConnectionBenchmark.summary(figures[1], "%.3f"));
        System.out.printf("%-34s %24s%n", "p50 during the flood (ms)", MConnectionBenchmark.summary(figures[2], "%.3f"));
        System.out.printf("%-34s %24s%n", "p99 during the flood (ms)", MConnectionBenchmark.summary(figures[3], "%.3f"));
        System.out.printf("%-34s %24s%n", "p99 during / before", MConnectionBenchmark.summary(figures[4], "%.2f"));
        System.out.printf("%-34s %24s%n", "flooding connections ended", MConnectionBenchmark.summary(figures[5], "%.0f"));
    }

    /** Per trial: p50 and p99 before, p50 and p99 during (ms), their p99 ratio, connections ended. */
    static double[][] run(int trials, int messages) throws Exception {
        double[][] figures = new double[6][trials];
        EventLoopGroup senders = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup shared = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            trial(senders, shared, messages / 4); // warm-up
            for (int t = 0; t < trials; t++) {
                double[] r = trial(senders, shared, messages);
                for (int f = 0; f < r.length; f++) {
                    figures[f][t] = r[f];
                }
            }
        } finally {
            senders.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            shared.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        return figures;
    }

    private static double[] trial(EventLoopGroup senders, EventLoopGroup shared, int messages) throws Exception {
        MConnectionConfig config = MConnectionConfig.defaults().unlimited();
        try (LoopbackConnection healthy = LoopbackConnection.open(senders, shared)) {
            BlockingQueue<Long> latencies = new LinkedBlockingQueue<>();
            MConnection sender = MConnection.builder(healthy.client()).channels(CHANNELS).config(config).start();
            MConnection.builder(healthy.server()).channels(CHANNELS).config(config)
                    .onReceive((id, msg) -> latencies.add(System.nanoTime() - ByteBuffer.wrap(msg).getLong())).start();
            long[] before = latencies(sender, latencies, messages);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ended = new AtomicInteger();
            Thread flooder = Thread.ofPlatform().start(() -> flood(senders, shared, config, stop, ended));
            long[] during;
            try {
                during = latencies(sender, latencies, messages);
            } finally {
                stop.set(true);
                flooder.join(30_000);
            }
            double p99Before = percentile(before, 0.99) / 1e6;
            double p99During = percentile(during, 0.99) / 1e6;
            return new double[] {percentile(before, 0.5) / 1e6, p99Before, percentile(during, 0.5) / 1e6, p99During,
                    p99During / p99Before, ended.get()};
        }
    }

    /** Opens connections to MConnections on {@code shared} and floods each with pings until the node ends it. */
    private static void flood(EventLoopGroup senders, EventLoopGroup shared, MConnectionConfig config, AtomicBoolean stop,
            AtomicInteger ended) {
        ByteBuf pings = Unpooled.buffer(PING.length * PINGS_PER_WRITE);
        for (int i = 0; i < PINGS_PER_WRITE; i++) {
            pings.writeBytes(PING);
        }
        try {
            for (int n = 0; n < 10_000 && !stop.get(); n++) {
                try (LoopbackConnection pair = LoopbackConnection.open(senders, shared)) {
                    AtomicBoolean failed = new AtomicBoolean();
                    MConnection.builder(pair.server()).channels(CHANNELS).config(config)
                            .onError(cause -> failed.set(true)).start();
                    pair.client().config().setAutoRead(true); // take the pongs and drop them
                    pair.client().pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                            io.netty.util.ReferenceCountUtil.release(msg);
                        }
                    });
                    pair.client().writeAndFlush(pings.retainedDuplicate());
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (pair.server().isActive() && !stop.get() && System.nanoTime() < deadline) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                    if (failed.get()) {
                        ended.incrementAndGet();
                    }
                }
            }
        } finally {
            pings.release();
        }
    }

    private static long[] latencies(MConnection sender, BlockingQueue<Long> latencies, int count)
            throws InterruptedException {
        long[] samples = new long[count];
        for (int i = 0; i < count; i++) {
            if (!sender.send(CHANNEL, ByteBuffer.allocate(64).putLong(System.nanoTime()).array())) {
                throw new IllegalStateException("the healthy connection refused a message");
            }
            Long latency = latencies.poll(10, TimeUnit.SECONDS);
            if (latency == null) {
                throw new IllegalStateException("message " + i + " did not arrive within 10 s");
            }
            samples[i] = latency;
        }
        Arrays.sort(samples);
        return samples;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[(int) Math.ceil(sorted.length * p) - 1];
    }
}
