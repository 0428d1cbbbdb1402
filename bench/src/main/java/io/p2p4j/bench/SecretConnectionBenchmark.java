package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.secret.SecretConnectionHandshake;
import io.p2p4j.testing.LoopbackConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
        try (LoopbackLoops loops = LoopbackLoops.start()) {
            System.out.printf("%-44s %24s %16s%n", "scenario", "MB/s median [min-max]", "msgs/s median");
            for (int[] mix : MConnectionBenchmark.MIXES) {
                int size = mix[0];
                int queue = mix[1];
                for (boolean encrypted : new boolean[] {false, true}) {
                    double[][] r = trials(loops, encrypted, size, queue, trials, seconds);
                    System.out.printf("%-44s %24s %16.0f%n", (encrypted ? "encrypted" : "plaintext") + " MConnection, " + size
                            + " B, queue " + queue, MConnectionBenchmark.summary(r[0], "%.0f"), MConnectionBenchmark.median(r[1]));
                }
            }
        }
    }

    /**
     * {MB/s of each trial, messages/s of each trial} of one MConnection, plaintext or encrypted,
     * that a sender keeps full of {@code size}-byte messages on a channel with a send queue of
     * {@code queue}: {@code trials} timed trials after a warm-up of half the time.
     */
    static double[][] trials(LoopbackLoops loops, boolean encrypted, int size, int queue, int trials, double seconds)
            throws Exception {
        return Trials.run(trials, seconds,
                window -> throughput(loops.clients(), loops.servers(), encrypted, size, queue, window));
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
            double[] result = Trials.rates(bytes, messages, seconds);
            running.set(false);
            sender.close();
            receiver.close();
            pusher.join();
            return result;
        }
    }

    private SecretConnectionBenchmark() {}
}
