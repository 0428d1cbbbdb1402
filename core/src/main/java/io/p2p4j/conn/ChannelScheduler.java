package io.p2p4j.conn;

import java.util.List;

/**
 * Chooses which channel sends the next packet: among channels with something to send, the one
 * with the lowest recently-sent/priority ratio, ties going to the channel registered first (as
 * CometBFT does). Decaying every channel's recently-sent count by the same factor keeps the
 * choice about recent traffic without changing the ratios between busy channels, so under
 * saturation each channel's share of bytes follows its priority. Event loop only.
 */
final class ChannelScheduler {
    /** CometBFT multiplies recently-sent by 0.8 every 2 s. */
    static final double DECAY = 0.8;

    private final ChannelState[] channels;

    ChannelScheduler(List<ChannelState> channels) {
        this.channels = channels.toArray(ChannelState[]::new);
    }

    /** The channel that should send next, or null if none has anything to send. */
    ChannelState next() {
        ChannelState best = null;
        double bestRatio = Double.MAX_VALUE;
        for (ChannelState channel : channels) {
            if (!channel.hasPending()) {
                continue;
            }
            double ratio = (double) channel.recentlySent / channel.descriptor.priority();
            if (ratio < bestRatio) {
                bestRatio = ratio;
                best = channel;
            }
        }
        return best;
    }

    /** Applies the periodic decay to every channel. */
    void decay() {
        for (ChannelState channel : channels) {
            channel.recentlySent = (long) (channel.recentlySent * DECAY);
        }
    }
}
