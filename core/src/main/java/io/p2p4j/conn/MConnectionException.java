package io.p2p4j.conn;

import java.io.IOException;

/**
 * Why an {@link MConnection} ended: the base of the specific reasons below. Messages are written
 * for a person: they name the channel and the sizes involved.
 */
public class MConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    public MConnectionException(String message) {
        super(message);
    }

    public MConnectionException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A packet's length prefix was malformed or over the maximum packet size. */
    public static final class PacketTooLargeException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public PacketTooLargeException(String message) {
            super(message);
        }
    }

    /** A packet did not decode, or decoded to no known packet type. */
    public static final class UndecodablePacketException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public UndecodablePacketException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A packet named a channel that is not registered, or an id outside 0..255. */
    public static final class UnknownChannelException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public UnknownChannelException(String message) {
            super(message);
        }
    }

    /** A message grew past its channel's receive message capacity. */
    public static final class MessageTooLargeException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public MessageTooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Storing a piece of a message would take the connection's partly received messages past its
     * reassembly budget ({@link MConnectionConfig#maxReassemblyBytes()}).
     */
    public static final class ReassemblyBudgetExceededException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public ReassemblyBudgetExceededException(String message) {
            super(message);
        }
    }

    /** The peer did not answer a ping within the pong timeout. */
    public static final class PongTimeoutException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public PongTimeoutException(String message) {
            super(message);
        }
    }

    /** The peer sent pings faster than {@link MConnectionConfig#maxPingsPerSecond()} allows. */
    public static final class PingFloodException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public PingFloodException(String message) {
            super(message);
        }
    }

    /** The peer closed the connection, or the socket failed. */
    public static final class ConnectionClosedException extends MConnectionException {
        private static final long serialVersionUID = 1L;

        public ConnectionClosedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
