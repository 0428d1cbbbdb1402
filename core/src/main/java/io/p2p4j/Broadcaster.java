package io.p2p4j;

import io.p2p4j.conn.ChannelDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Switch#broadcast}: hands a message to the {@link BroadcastLane} of every running peer
 * that advertised the channel, never waiting for one; a full lane drops its copy. No locks of
 * its own: it reads a snapshot of the peer set, and each lane is thread-safe.
 */
final class Broadcaster {
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    private final PeerSetView peers;

    Broadcaster(PeerSetView peers) {
        this.peers = peers;
    }

    BroadcastResult broadcast(byte channelId, byte[] message) {
        Objects.requireNonNull(message, "message");
        List<Peer> queued = new ArrayList<>();
        List<Peer> dropped = new ArrayList<>();
        for (SwitchPeer peer : peers.snapshot()) {
            if (!peer.advertised(channelId)) {
                continue;
            }
            if (peer.broadcastLane.offer(channelId, message)) {
                queued.add(peer);
            } else {
                dropped.add(peer);
                log.debug("broadcast on {} dropped for peer {}: its queue is full", ChannelDescriptor.format(channelId),
                        peer.id());
            }
        }
        return new BroadcastResult(queued, dropped);
    }
}
