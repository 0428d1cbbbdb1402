package io.p2p4j.identity;

/** A NodeInfo that is invalid, or not compatible with ours; the message says which field and why. */
public class NodeInfoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NodeInfoException(String message) {
        super(message);
    }

    /** The peer is on another network or block protocol, or shares no channel with us. */
    public static final class Incompatible extends NodeInfoException {
        private static final long serialVersionUID = 1L;

        public Incompatible(String message) {
            super(message);
        }
    }
}
