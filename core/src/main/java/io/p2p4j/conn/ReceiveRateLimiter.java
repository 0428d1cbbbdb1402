package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Counts the bytes read from the peer against the receive rate and stops reading as soon as the
 * budget is spent (turning auto-read off also ends Netty's current read loop): the remote sender
 * is then held back by TCP flow control. Sits first in the pipeline, so what it counts is what
 * comes off the socket, in front of anything that decodes it: over a SecretConnection every
 * sealed frame counts as its 1,044 bytes whatever data it carries, so frames with little or no
 * data, each opened at the cost of a whole one, are slowed by the same limit as data (counting
 * the plaintext behind the opener let a peer send empty frames for free). Passes every buffer on
 * unchanged.
 */
final class ReceiveRateLimiter extends ChannelInboundHandlerAdapter {
    private final TokenBucket bucket;
    private final ReadGate gate;
    private ChannelHandlerContext ctx;

    ReceiveRateLimiter(TokenBucket bucket, ReadGate gate) {
        this.bucket = bucket;
        this.gate = gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bucket.take(buf.readableBytes());
            pauseIfSpent();
        }
        ctx.fireChannelRead(msg);
    }

    private void pauseIfSpent() {
        long delay = bucket.delayNanos();
        if (delay > 0 && !gate.isPaused(ReadGate.RATE_LIMIT)) {
            gate.pause(ReadGate.RATE_LIMIT);
            ctx.executor().schedule(this::resumeWhenRefilled, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void resumeWhenRefilled() {
        long delay = bucket.delayNanos();
        if (delay > 0) {
            ctx.executor().schedule(this::resumeWhenRefilled, delay, TimeUnit.NANOSECONDS);
        } else {
            gate.resume(ReadGate.RATE_LIMIT);
        }
    }
}
