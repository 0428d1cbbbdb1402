package io.p2p4j;

import io.p2p4j.identity.NodeInfo;
import java.net.SocketAddress;

/**
 * Hears what happens to a switch's peers, for logs, metrics and tests. Called on the switch's
 * threads (never an event loop); implementations must be quick and must not throw.
 */
public interface SwitchListener {

    /** A peer joined: every reactor has been told. */
    default void peerAdded(Peer peer) { }

    /** A peer left; {@code reason} is null when it was stopped without error. */
    default void peerRemoved(Peer peer, Throwable reason) { }

    /**
     * A connection was refused before it became a peer: by a filter, the handshake, the NodeInfo
     * checks, a limit or the duplicate rule.
     *
     * @param remote    the other end's address (for a failed dial, the dialed address)
     * @param direction whether we dialed ({@link Direction#OUTBOUND}) or were dialed
     * @param reason    why, usually a {@link io.p2p4j.net.HandshakeException}
     */
    default void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) { }
}
