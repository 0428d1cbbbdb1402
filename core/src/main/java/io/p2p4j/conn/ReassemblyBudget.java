package io.p2p4j.conn;

import io.p2p4j.conn.ChannelDescriptor;
import java.util.List;

/**
 * The heap one connection may hold for reassembly, summed over its channels. What is counted is
 * the capacity of each channel's blocks, not the data in them, so the figure is what the heap
 * actually holds (less the arrays' headers). Changed on the connection's event loop only;
 * {@link #used()} may be read from any thread.
 */
final class ReassemblyBudget {
    private final long limit;
    private final Runnable dropIdleBuffers;
    private volatile long used;

    /**
     * @param limit           bytes the channels' buffers may hold together
     * @param dropIdleBuffers drops the blocks kept for reuse by channels with no message in
     *                        progress; run when a growing message would otherwise not fit
     */
    ReassemblyBudget(long limit, Runnable dropIdleBuffers) {
        this.limit = limit;
        this.dropIdleBuffers = dropIdleBuffers;
    }

    /** A budget for a channel used on its own (tests, benchmarks): its own message capacity. */
    static ReassemblyBudget of(ChannelDescriptor descriptor) {
        return new ReassemblyBudget(descriptor.recvMessageCapacity(), () -> { });
    }

    /**
     * The limit in effect for a connection with these channels: the setting, raised to the
     * largest message any one channel accepts, so that one such message always fits whatever the
     * setting while several channels cannot each hold one.
     */
    static long effectiveLimit(long setting, List<ChannelDescriptor> channels) {
        long limit = setting;
        for (ChannelDescriptor channel : channels) {
            limit = Math.max(limit, channel.recvMessageCapacity());
        }
        return limit;
    }

    /**
     * Bytes that may still be taken. If fewer than {@code wanted} are free, blocks kept for
     * reuse are dropped first: they are a convenience, a message in progress is not.
     */
    long available(long wanted) {
        if (limit - used < wanted) {
            dropIdleBuffers.run();
        }
        return limit - used;
    }

    void take(long bytes) {
        used += bytes; // one writer, the event loop; volatile only for readers elsewhere
    }

    void giveBack(long bytes) {
        used -= bytes;
    }

    long used() {
        return used;
    }

    long limit() {
        return limit;
    }
}
