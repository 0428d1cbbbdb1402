package io.p2p4j.testkit;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * A heap allocator that remembers the largest array any of its buffers ever held, including
 * arrays a buffer grew into after it was allocated. Set on a channel
 * ({@code channel.config().setAllocator(...)}) it shows how much memory a handler's buffers took
 * for a peer's input, which fuzz targets bound. Not for production: nothing is pooled.
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
    private int largest;

    public TrackingAllocator() {
        super(false);
    }

    /** The largest backing array allocated so far, in bytes. */
    public int largest() {
        return largest;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new TrackedBuffer(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return new TrackedBuffer(this, initialCapacity, maxCapacity); // on the heap too: all tracked
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private static final class TrackedBuffer extends UnpooledHeapByteBuf {
        TrackedBuffer(TrackingAllocator alloc, int initialCapacity, int maxCapacity) {
            super(alloc, initialCapacity, maxCapacity);
        }

        @Override
        protected byte[] allocateArray(int capacity) {
            TrackingAllocator owner = (TrackingAllocator) alloc();
            owner.largest = Math.max(owner.largest, capacity);
            return super.allocateArray(capacity);
        }
    }
}
