package io.p2p4j;

/** Which side opened a connection. */
public enum Direction {
    /** The remote side dialed us. */
    INBOUND,
    /** We dialed the remote side. */
    OUTBOUND;

    /** {@link #OUTBOUND} when {@code outbound}, else {@link #INBOUND}. */
    static Direction of(boolean outbound) {
        return outbound ? OUTBOUND : INBOUND;
    }
}
