package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An MConnection on an {@link EmbeddedChannel} whose time is frozen from the start: its timers
 * and its clock move only by {@link #advance}, so what happens at a given moment is exact.
 */
final class FrozenEnd implements AutoCloseable {
    final EmbeddedChannel channel = new EmbeddedChannel();
    final MConnection connection;
    final List<byte[]> delivered = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    FrozenEnd(List<ChannelDescriptor> channels, MConnectionConfig config) {
        channel.freezeTime(); // before the connection starts, so its first deadlines are on this clock
        connection = MConnection.builder(channel).channels(channels).config(config)
                .onReceive((id, msg) -> delivered.add(msg)).onError(errors::add).start();
    }

    /** Moves the clock on by {@code by} and runs what fell due, in deadline order. */
    void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
    }

    /** The bytes flushed to the socket since the last call. */
    byte[] written() {
        channel.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        try {
            for (ByteBuf buf; (buf = channel.readOutbound()) != null; buf.release()) {
                all.writeBytes(buf);
            }
            return ByteBufUtil.getBytes(all);
        } finally {
            all.release();
        }
    }

    /** Hands {@code bytes} to the connection as one read from the peer. */
    void read(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** Hands what this end flushed to {@code other} as one read; returns the number of bytes. */
    int deliverTo(FrozenEnd other) {
        byte[] bytes = written();
        if (bytes.length > 0) {
            other.read(bytes);
        }
        return bytes.length;
    }

    @Override
    public void close() {
        connection.close();
        channel.finishAndReleaseAll();
    }
}
