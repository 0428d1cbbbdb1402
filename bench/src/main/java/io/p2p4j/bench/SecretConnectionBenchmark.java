package io.p2p4j.bench;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.ChannelDescriptor;
import io.p2p4j.NodeKey;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.secret.SecretConnectionHandshake;
import io.p2p4j.testing.LoopbackConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Loopback benchmark of the encrypted path: throughput of one MConnection over a SecretConnection
 * (rate limits off) beside the same connection in plaintext. Run: {@code bench/run secret}
 * (handshakes: {@link HandshakeBenchmark}).
 */
public final class SecretConnectionBenchmark {
    private static final byte CHANNEL = 0x20;

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "2"));
        System.out.printf("SecretConnection loopback benchmark: JDK %s, %d cores, %d trials of %.1f s (after one warm-up)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), trials, seconds);
        EventLoopGroup clients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup servers = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            System.out.printf("%-44s %24s %16s%n", "scenario", "MB/s median [min-max]", "msgs/s median");
            for (int[] mix : MConnectionBenchmark.MIXES) {
                int size = mix[0];
                int queue = mix[1];
                for (boolean encrypted : new boolean[] {false, true}) {
                    double[] mbs = new double[trials];
                    double[] rates = new double[trials];
                    throughput(clients, servers, encrypted, size, queue, seconds / 2);
                    for (int t = 0; t < trials; t++) {
                        double[] r = throughput(clients, servers, encrypted, size, queue, seconds);
                        mbs[t] = r[0];
                        rates[t] = r[1];
                    }
                    System.out.printf("%-44s %24s %16.0f%n", (encrypted ? "encrypted" : "plaintext") + " MConnection, " + size
                            + " B, queue " + queue, MConnectionBenchmark.summary(mbs, "%.0f"), MConnectionBenchmark.median(rates));
                }
            }
        } finally {
            clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            servers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Runs the SecretConnection handshake on both ends of {@code pair}, each with a new key. */
    static void secure(LoopbackConnection pair) throws Exception {
        CompletableFuture<?> a = SecretConnectionHandshake.secure(pair.client(), NodeKey.generate(), Duration.ofSeconds(3));
        CompletableFuture<?> b = SecretConnectionHandshake.secure(pair.server(), NodeKey.generate(), Duration.ofSeconds(3));
        CompletableFuture.allOf(a, b).get(10, TimeUnit.SECONDS);
    }

    private static double[] throughput(EventLoopGroup clients, EventLoopGroup servers, boolean encrypted, int size,
            int queue, double seconds) throws Exception {
        try (LoopbackConnection pair = LoopbackConnection.open(clients, servers)) {
            if (encrypted) {
                secure(pair);
            }
            List<ChannelDescriptor> channels = MConnectionBenchmark.channels(queue);
            MConnectionConfig config = MConnectionConfig.defaults().unlimited();
            AtomicLong bytes = new AtomicLong();
            AtomicLong messages = new AtomicLong();
            MConnection receiver = MConnection.builder(pair.server()).channels(channels).config(config)
                    .onReceive((id, msg) -> {
                        bytes.addAndGet(msg.length);
                        messages.incrementAndGet();
                    }).start();
            MConnection sender = MConnection.builder(pair.client()).channels(channels).config(config).start();
            byte[] payload = new byte[size];
            AtomicBoolean running = new AtomicBoolean(true);
            Thread pusher = Thread.ofPlatform().start(() -> {
                while (running.get() && sender.send(CHANNEL, payload)) {
                    // saturate
                }
            });
            LockSupport.parkNanos(200_000_000L);
            long b0 = bytes.get();
            long m0 = messages.get();
            long t0 = System.nanoTime();
            LockSupport.parkNanos((long) (seconds * 1e9));
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double[] result = {(bytes.get() - b0) / elapsed / 1e6, (messages.get() - m0) / elapsed};
            running.set(false);
            sender.close();
            receiver.close();
            pusher.join();
            return result;
        }
    }

    private SecretConnectionBenchmark() {}
}
