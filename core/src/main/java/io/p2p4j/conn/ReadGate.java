package io.p2p4j.conn;

import io.netty.channel.Channel;

/**
 * Turns reading from the socket off while any reason to pause holds (the receive rate limit, a
 * consumer that is behind), and back on when none does. Event loop only.
 */
final class ReadGate {
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
}
