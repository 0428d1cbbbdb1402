package io.p2p4j.transport;

import io.p2p4j.net.FaultInjection;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.nio.channels.ClosedChannelException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Injects the faults of a {@link FaultInjection} into one connection's raw bytes: the first
 * handler of the pipeline, added only when fault injection is on. Each read and each write is
 * passed on, dropped, held (in order: nothing overtakes a held read or write of the same
 * direction) or closes the connection. Runs on the channel's event loop only.
 */
final class FaultInjector extends ChannelDuplexHandler {
    /** What happens to one read or write. */
    enum Fault { PASS, DROP, CLOSE, HOLD }

    private final FaultInjection faults;
    private final RandomGenerator random;
    private long startNanos;
    /** When the last held read (write) is passed on; later ones wait at least until then. */
    private long readsHeldUntil;
    private long writesHeldUntil;
    /** Reads and writes held and not yet passed on: what to drop if the connection ends first. */
    private final Map<Future<?>, Runnable> held = new HashMap<>();

    FaultInjector(FaultInjection faults, RandomGenerator random) {
        this.faults = faults;
        this.random = random;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        startNanos = ctx.executor().ticker().nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (nextFault(ctx)) {
            case DROP -> ReferenceCountUtil.release(msg);
            case CLOSE -> {
                ReferenceCountUtil.release(msg);
                ctx.close();
            }
            case HOLD -> readsHeldUntil = hold(ctx, readsHeldUntil, randomDelay(), () -> passRead(ctx, msg),
                    () -> ReferenceCountUtil.release(msg));
            case PASS -> {
                long now = ctx.executor().ticker().nanoTime();
                if (readsHeldUntil > now) {
                    readsHeldUntil = hold(ctx, readsHeldUntil, 0, () -> passRead(ctx, msg), () -> ReferenceCountUtil.release(msg));
                } else {
                    ctx.fireChannelRead(msg);
                }
            }
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (nextFault(ctx)) {
            case DROP -> {
                ReferenceCountUtil.release(msg);
                promise.trySuccess(); // the bytes vanish; the writer is told nothing, as with a lossy link
            }
            case CLOSE -> {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new ClosedChannelException());
                ctx.close();
            }
            case HOLD -> writesHeldUntil = hold(ctx, writesHeldUntil, randomDelay(), () -> ctx.writeAndFlush(msg, promise),
                    () -> failHeld(msg, promise));
            case PASS -> {
                long now = ctx.executor().ticker().nanoTime();
                if (writesHeldUntil > now) {
                    writesHeldUntil = hold(ctx, writesHeldUntil, 0, () -> ctx.writeAndFlush(msg, promise),
                            () -> failHeld(msg, promise));
                } else {
                    ctx.write(msg, promise);
                }
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropHeld();
    }

    private void dropHeld() {
        for (var entry : List.copyOf(held.entrySet())) {
            if (entry.getKey().cancel(false)) {
                entry.getValue().run();
            }
        }
        held.clear();
    }

    private Fault nextFault(ChannelHandlerContext ctx) {
        if (ctx.executor().ticker().nanoTime() - startNanos < faults.startAfter().toNanos()) {
            return Fault.PASS;
        }
        if (faults.mode() == FaultInjection.Mode.DELAY) {
            return Fault.HOLD;
        }
        double r = random.nextDouble();
        if (r < faults.probDropReadWrite()) {
            return Fault.DROP;
        }
        if (r < faults.probDropReadWrite() + faults.probDropConnection()) {
            return Fault.CLOSE;
        }
        if (r < faults.probDropReadWrite() + faults.probDropConnection() + faults.probSleep()) {
            return Fault.HOLD;
        }
        return Fault.PASS;
    }

    private long randomDelay() {
        long max = faults.maxDelay().toNanos();
        return max <= 0 ? 0 : random.nextLong(max + 1);
    }

    /**
     * Schedules {@code pass} at {@code delay} from now but not before {@code heldUntil}, so the
     * direction keeps its order; {@code drop} runs instead if the connection ends first.
     * Returns the new time the direction is held until.
     */
    private long hold(ChannelHandlerContext ctx, long heldUntil, long delay, Runnable pass, Runnable drop) {
        long now = ctx.executor().ticker().nanoTime();
        long at = Math.max(now + delay, heldUntil);
        Future<?>[] self = new Future<?>[1];
        self[0] = ctx.executor().schedule(() -> {
            held.remove(self[0]);
            pass.run();
        }, at - now, TimeUnit.NANOSECONDS);
        held.put(self[0], drop);
        return at;
    }

    private static void passRead(ChannelHandlerContext ctx, Object msg) {
        ctx.fireChannelRead(msg);
        ctx.fireChannelReadComplete();
    }

    private static void failHeld(Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
    }
}
