package io.p2p4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One stage of a connection's handshake as a Netty handler, which leaves the pipeline to the
 * stage behind it when it is done (as jvm-libp2p's security stages do). What every stage has in
 * common lives here:
 * <ul>
 * <li>the {@link #result()}, completed once: with the stage's value ({@link #succeed}), or with
 *     the stage's own exception type {@code E} ({@link #fail}), which also closes the
 *     connection;</li>
 * <li>a deadline, which the stage starts when it begins ({@link #startDeadline}) and which fails
 *     it when it passes;</li>
 * <li>the bytes read and not yet used, in one buffer ({@link #held()}): after a failure nothing
 *     more is kept; when the stage leaves after succeeding ({@link #leave}, or the pipeline's
 *     {@code remove}), what it still holds goes on to the next handler, so that no byte the peer
 *     sent early is lost;</li>
 * <li>failing when the connection closes, when an exception reaches it, and when a write of its
 *     own ({@link #send}) fails.</li>
 * </ul>
 * The subclass names the stage (for messages such as "NodeInfo exchange did not complete within
 * 3000 ms"), makes its exceptions, and reads {@link #held()} in {@link #bytesArrived}. Event
 * loop only, as handlers are. Not part of the public API.
 *
 * @param <T> what the stage learns about the peer
 * @param <E> why the stage failed
 */
public abstract class HandshakeStage<T, E extends IOException> extends ChannelDuplexHandler {
    private final String stage;
    private final int initialCapacity;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private ScheduledFuture<?> deadline;
    private ByteBuf held;

    /**
     * @param stage           what the stage is called in messages ("handshake", "NodeInfo exchange")
     * @param initialCapacity the bytes {@link #held()} can take before it grows
     */
    protected HandshakeStage(String stage, int initialCapacity) {
        this.stage = stage;
        this.initialCapacity = initialCapacity;
    }

    /** Completes with what the stage learnt, or fails with why it failed. */
    public CompletableFuture<T> result() {
        return result;
    }

    /** The stage's exception: {@code cause} may be null. */
    protected abstract E failure(String message, Throwable cause);

    /** The stage's exception when its deadline passes; by default {@link #failure} without a cause. */
    protected E timeout(String message) {
        return failure(message, null);
    }

    /**
     * Bytes arrived: {@code held} has them after the ones left unread before. Not called once the
     * stage failed. The stage reads what it can and leaves the rest where it is.
     */
    protected abstract void bytesArrived(ChannelHandlerContext ctx, ByteBuf held);

    /** Called once the stage is in the pipeline (and holds a buffer): a stage that starts as it is added starts here. */
    protected void added(ChannelHandlerContext ctx) {
    }

    /** Called as the stage leaves the pipeline, after its deadline is cancelled: release what the stage holds. */
    protected void removed() {
    }

    /** The bytes read and not yet used: null before the stage is added and after it failed or left. */
    protected final ByteBuf held() {
        return held;
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) {
            // closed before we were added: its pipeline may be torn down already, and then
            // handlerRemoved never comes, so hold nothing that needs releasing
            fail(ctx, failure("connection closed before the " + stage + " began", null));
            return;
        }
        held = ctx.alloc().heapBuffer(initialCapacity);
        added(ctx);
    }

    @Override
    public final void handlerRemoved(ChannelHandlerContext ctx) {
        cancelDeadline();
        removed();
        ByteBuf rest = held;
        held = null;
        if (rest == null) {
            return;
        }
        if (rest.isReadable() && succeeded()) {
            ctx.fireChannelRead(rest); // what the peer sent after this stage, for the next one
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (held == null || result.isCompletedExceptionally()) {
                return;
            }
            held.writeBytes(buf);
        } finally {
            buf.release();
        }
        bytesArrived(ctx, held);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, failure("connection closed during the " + stage, null));
        if (held != null) {
            held.release(); // nothing more will come, and no next stage will read what was held
            held = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, failure(stage + " failed: " + cause.getMessage(), cause));
    }

    /** Starts the deadline: the stage fails with {@link #timeout} unless it ends within {@code limit}. */
    protected final void startDeadline(ChannelHandlerContext ctx, Duration limit) {
        deadline = ctx.executor().schedule(() -> fail(ctx, timeout(stage + " did not complete within "
                + limit.toMillis() + " ms")), limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Writes and flushes {@code message} (taking it over); the stage fails if the write does. */
    protected final void send(ChannelHandlerContext ctx, ByteBuf message, String what) {
        ctx.writeAndFlush(message).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, failure("sending " + what + " failed: " + f.cause().getMessage(), f.cause()));
            }
        });
    }

    /** Completes the result with {@code value}, unless the stage already ended; the deadline stops. */
    protected final void succeed(T value) {
        cancelDeadline();
        result.complete(value);
    }

    /** Fails the stage with {@code e} and closes the connection, unless the stage already ended. */
    protected final void fail(ChannelHandlerContext ctx, E e) {
        cancelDeadline();
        if (result.completeExceptionally(e)) {
            ctx.close();
        }
    }

    /** True once the stage succeeded. */
    protected final boolean succeeded() {
        return result.isDone() && !result.isCompletedExceptionally();
    }

    /** Removes this stage from the pipeline; after a success, what it holds goes on to the next handler. */
    protected final void leave(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
