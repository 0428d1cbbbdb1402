package io.p2p4j.secret;

/**
 * Counts the frames without data that a peer sends while its connection is being set up (the
 * auth signature and the NodeInfo exchange that follows), and ends the connection past
 * {@link #ALLOWED}. Such frames are legal, but no implementation sends them (Go and p2p4j write
 * nothing for no data), and each costs a whole frame's decryption; before the connection is set
 * up no receive rate limit counts them and no data bound ever fills, so a peer could otherwise
 * have them opened as fast as it sends until the handshake timeout. Once the connection is set up
 * the receive rate limit, which counts every frame's bytes on the wire, slows them like data, and
 * this count stops. Event loop only.
 */
final class SetupEmptyFrames {
    /** Frames without data tolerated during setup: a few, for a sender with an odd writer. */
    static final int ALLOWED = 16;

    private int seen;
    private boolean setUp;

    /** Counts a frame that carried {@code length} bytes of data. */
    void frame(long length) throws SecretConnectionException {
        if (length != 0 || setUp) {
            return;
        }
        if (++seen > ALLOWED) {
            throw new SecretConnectionException("more than " + ALLOWED
                    + " frames without data before the connection was set up");
        }
    }

    /** The connection is set up: frames without data no longer count. */
    void setUp() {
        setUp = true;
    }
}
