package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NetAddress;

/**
 * A connected peer: who it is, how it came, and how to send to it. Thread-safe.
 */
public interface Peer {

    /** The peer's node id, derived from the key it authenticated with. */
    NodeId id();

    /** What the peer said about itself in the handshake. */
    NodeInfo nodeInfo();

    /** The address of the connection: the dialed address for outbound peers, the socket's for inbound. */
    NetAddress remoteAddress();

    /** True if we dialed the peer. */
    boolean isOutbound();

    /** True if the peer is one of the switch's persistent peers (redialed when it goes away). */
    boolean isPersistent();

    /** True until the peer is stopped. */
    boolean isRunning();

    /**
     * Queues a message, waiting up to the send timeout (default 10 s) for room. The peer takes the
     * array: do not change it afterwards.
     *
     * @return true once queued; false on timeout, for a channel the peer did not advertise or
     *         that no reactor owns, or when the peer is stopped (also while waiting)
     */
    boolean send(byte channelId, byte[] message);

    /** Queues a message only if there is room now; never blocks. Same false cases as {@link #send}. */
    boolean trySend(byte channelId, byte[] message);

    /** Per-peer data of reactors, by key; null if absent. */
    <T> T get(String key);

    /** Sets per-peer data of reactors; a null value removes the key. */
    void set(String key, Object value);

    /** Traffic per channel, queue sizes, rates and bytes waiting for the reactors. */
    PeerStatus status();
}
