package io.p2p4j.transport;

import io.netty.channel.Channel;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import java.net.InetSocketAddress;

/**
 * A connection that passed every handshake stage: encrypted, authenticated, with a valid and
 * compatible NodeInfo. Its channel reads nothing until the next stage (the MConnection) is
 * installed with {@link #handOff()}, or turns auto-read on (the bytes then read, and those held
 * since the NodeInfo, go on to it at once).
 *
 * @param channel  the Netty channel, with the SecretConnection in its pipeline
 * @param id       the peer's id, from its authenticated key
 * @param nodeInfo what the peer said about itself
 * @param outbound true if we dialed
 * @param remote   the socket address of the peer
 */
public record UpgradedConnection(Channel channel, NodeId id, NodeInfo nodeInfo, boolean outbound,
        InetSocketAddress remote) {

    /**
     * Removes the last handshake stage so that the bytes that followed the NodeInfo, and all later
     * ones, flow to the handlers added after it. Call on the channel's event loop, after adding
     * them.
     */
    public void handOff() {
        NodeInfoHandshake.handOff(channel);
    }
}
