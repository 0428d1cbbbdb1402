package io.p2p4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.conn.MConnection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One-way message latency over an MConnection in one process: the sender stamps each message
 * with {@link System#nanoTime()}, the receiver ({@link #stamping}) notes how long it took.
 */
public final class Latency {
    private Latency() {
    }

    /** A receiver that adds the latency of every message it gets to {@code latencies}. */
    public static MConnection.Receiver stamping(BlockingQueue<Long> latencies) {
        return (id, msg) -> latencies.add(System.nanoTime() - ByteBuffer.wrap(msg).getLong());
    }

    /**
     * Sends up to {@code count} 64-byte messages on {@code channel}, each once the previous
     * arrived, for at most {@code limit}; returns the p99 of their latencies in ns.
     */
    public static long p99(MConnection sender, byte channel, BlockingQueue<Long> latencies, int count, Duration limit)
            throws InterruptedException {
        long[] samples = new long[count];
        long deadline = System.nanoTime() + limit.toNanos();
        int n = 0;
        while (n < count && System.nanoTime() < deadline) {
            assertThat(sender.send(channel, ByteBuffer.allocate(64).putLong(System.nanoTime()).array())).isTrue();
            Long latency = latencies.poll(10, TimeUnit.SECONDS);
            assertThat(latency).as("message %d arrived", n).isNotNull();
            samples[n++] = latency;
        }
        long[] taken = Arrays.copyOf(samples, n);
        Arrays.sort(taken);
        return taken[(int) Math.ceil(n * 0.99) - 1];
    }
}
