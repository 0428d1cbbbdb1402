package io.p2p4j.net;

import io.p2p4j.identity.NodeInfo;
import java.io.IOException;

/**
 * Why a connection was refused before it became a peer: which stage and what was wrong.
 * The remote side learns nothing of it: the socket is simply closed, as CometBFT does.
 */
public final class HandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The stage or rule that refused the connection. */
    public enum Reason {
        /** A connection filter refused the remote address, threw, or did not answer in time. */
        FILTERED,
        /** The SecretConnection handshake failed (bad key, bad signature, tampering, timeout). */
        AUTHENTICATION,
        /** The authenticated key is not the one the dialed address names. */
        WRONG_ID,
        /** The NodeInfo exchange failed or the NodeInfo is invalid. */
        INVALID_NODE_INFO,
        /** The peer is this node. */
        SELF,
        /** The peer is on another network, block protocol, or shares no channel. */
        INCOMPATIBLE,
        /** A stage did not finish within its time limit. */
        TIMEOUT,
        /** The connection closed during the handshake, or the dial failed. */
        CLOSED,
        /** The peer is already connected, or being dialed. */
        DUPLICATE,
        /** A peer limit (inbound peers) is reached. */
        LIMIT
    }

    private final Reason reason;
    private volatile java.net.SocketAddress remote;

    public HandshakeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public HandshakeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The remote end of the refused connection, when known. */
    public java.net.SocketAddress remote() {
        return remote;
    }

    /**
     * Records the remote end of the refused connection, unless one is known already; the
     * transport calls it when the failure reaches the connection's future. Returns this.
     */
    public HandshakeException withRemote(java.net.SocketAddress address) {
        if (remote == null) {
            remote = address;
        }
        return this;
    }

    /** The stage or rule that refused the connection. */
    public Reason reason() {
        return reason;
    }
}
