package io.p2p4j.conn;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * Turns reading from the socket off while any reason to pause holds (the receive rate limit, a
 * consumer that is behind), and back on when none does. It sits first in the pipeline, and while
 * it is paused the read requests of the handlers behind it go no further: Netty's decoders ask for
 * another read whenever a read gave them nothing to pass on with auto-read off (a SecretConnection
 * frame with no data, a packet's piece stored for its message), which would otherwise read on
 * through the pause for as long as the peer sent such bytes. Event loop only.
 */
final class ReadGate extends ChannelOutboundHandlerAdapter {
    static final int RATE_LIMIT = 1;
    static final int CONSUMER = 2;

    private final Channel channel;
    private int reasons;

    ReadGate(Channel channel) {
        this.channel = channel;
    }

    void pause(int reason) {
        reasons |= reason;
        channel.config().setAutoRead(false);
    }

    void resume(int reason) {
        reasons &= ~reason;
        if (reasons == 0 && channel.isOpen()) {
            channel.config().setAutoRead(true);
        }
    }

    boolean isPaused(int reason) {
        return (reasons & reason) != 0;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (reasons == 0) {
            ctx.read();
        }
    }
}
