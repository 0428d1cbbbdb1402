package io.p2p4j.conn;

import java.time.Duration;
import java.util.List;

/**
 * A snapshot of a connection's traffic, per channel and in total.
 *
 * @param duration      how long the connection has been running
 * @param sendRate      bytes per second sent over the last statistics interval (all channels)
 * @param recvRate      bytes per second received over the last statistics interval
 * @param bytesSent     bytes sent in packets since the start (keepalive excluded)
 * @param bytesReceived bytes received in packets since the start
 * @param reassemblyBytes heap held for partly received messages (and blocks kept for reuse),
 *                      summed over the channels: the capacity of the blocks, not the data
 * @param reassemblyLimit the most {@code reassemblyBytes} may reach before the peer is
 *                      disconnected (see {@link MConnectionConfig#maxReassemblyBytes()})
 * @param channels      each channel, in registration order
 */
public record ConnectionStatus(
        Duration duration, long sendRate, long recvRate, long bytesSent, long bytesReceived,
        long reassemblyBytes, long reassemblyLimit, List<ChannelStatus> channels) {

    public ConnectionStatus {
        channels = List.copyOf(channels);
    }

    /** The status of one channel, or null if the connection has no such channel. */
    public ChannelStatus channel(int id) {
        for (ChannelStatus channel : channels) {
            if (channel.id() == id) {
                return channel;
            }
        }
        return null;
    }
}
