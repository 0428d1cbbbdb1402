package io.p2p4j;

import io.p2p4j.identity.NodeId;
import java.time.Duration;

/**
 * A reactor busy with a message right now: which reactor, from which peer, and for how long.
 * While it is busy, reading from that peer pauses (see {@link Switch#busyReactors()}).
 *
 * @param reactor the name the reactor was registered under
 * @param peer    the peer whose message it is handling
 * @param busyFor how long it has been handling it
 */
public record BusyReactor(String reactor, NodeId peer, Duration busyFor) {

    /** One line for logs: the reactor, the peer and the time in milliseconds. */
    @Override
    public String toString() {
        return "reactor " + reactor + " busy with a message from peer " + peer + " for " + busyFor.toMillis() + " ms";
    }
}
