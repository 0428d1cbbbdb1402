package io.p2p4j;

import io.p2p4j.identity.NodeInfo;
import java.net.SocketAddress;

/**
 * Hears what happens to a switch's peers, for logs, metrics and tests. Called on the switch's
 * threads (never an event loop), but for {@link #messageSent}, which comes on the thread that
 * sent; implementations must be quick and must not throw.
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

    /**
     * A message was queued for a peer: its {@link Peer#send} or {@link Peer#trySend} is returning
     * true (CometBFT v0.38 counts a peer's sent bytes there too, sent or not yet). Called once per
     * message on the thread that sent it, which may be any thread: keep it to a counter increment.
     *
     * @param channelId   the channel
     * @param messageType the reactor's name for the message ({@link Reactor#messageType}), never null
     * @param bytes       the message's length, without framing
     */
    default void messageSent(Peer peer, byte channelId, String messageType, int bytes) { }

    /**
     * A whole message of a peer is about to be handed to the reactor of its channel. Called once
     * per message on the thread delivering the peer's messages (never an event loop), before the
     * reactor's {@code receive}: keep it to a counter increment.
     *
     * @param channelId   the channel
     * @param messageType the reactor's name for the message ({@link Reactor#messageType}), never null
     * @param bytes       the message's length, without framing
     */
    default void messageReceived(Peer peer, byte channelId, String messageType, int bytes) { }
}
