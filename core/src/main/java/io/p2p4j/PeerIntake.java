package io.p2p4j;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.internal.CompletionCause;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.transport.UpgradedConnection;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns upgraded connections, inbound or dialed, into running peers: admission (which refuses
 * it, or lets it in, maybe in place of the one connection it duplicates, stopped here), then the
 * peer's start. An inbound connection refused, in its handshake or at admission, goes to the
 * refusal log and the listeners (a refused dial is the {@link Dialer}'s to report).
 *
 * <p>No locks of its own: admission and the peer's start take theirs.
 */
final class PeerIntake {
    /** Logs as the switch, the logger operators know. */
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    private final Admission admission;
    private final PeerLifecycle lifecycle;
    private final PersistentPeers persistentPeers;
    private final ReactorTable reactors;
    private final RefusalLog refusals;
    private final SwitchListener listeners;
    private final MessageEvents messageEvents;

    PeerIntake(Admission admission, PeerLifecycle lifecycle, PersistentPeers persistentPeers, ReactorTable reactors,
            RefusalLog refusals, SwitchListener listeners, MessageEvents messageEvents) {
        this.admission = admission;
        this.lifecycle = lifecycle;
        this.persistentPeers = persistentPeers;
        this.reactors = reactors;
        this.refusals = refusals;
        this.listeners = listeners;
        this.messageEvents = messageEvents;
    }

    /**
     * The transport's hand-off of each accepted connection. The upgrade completes on an event loop,
     * so this only hands on: admission, and a refusal's log line and listener calls (listeners are
     * never called on an event loop), run on a virtual thread.
     */
    void accept(CompletableFuture<UpgradedConnection> upgrade) {
        upgrade.whenComplete((connection, error) -> Thread.ofVirtual().start(() -> {
            if (error != null) {
                Throwable cause = CompletionCause.of(error);
                refused(cause instanceof HandshakeException h ? h.remote() : null, null, cause);
                return;
            }
            try {
                admit(connection, null);
            } catch (Exception e) {
                refused(connection.remote(), connection.id(), e);
            }
        }));
    }

    /**
     * Turns an upgraded connection into a running peer: limits, duplicates and filters first,
     * then initPeer on every reactor, the MConnection, the peer set, addPeer on every reactor.
     * Runs on a virtual thread (the filters and reactors may take their time).
     *
     * @param dialed the address we dialed, or null for an inbound connection
     */
    SwitchPeer admit(UpgradedConnection connection, NetAddress dialed) throws Exception {
        Admission.Admitted admitted = admission.admit(connection, dialed,
                (c, remote) -> new SwitchPeer(c, remote, persistentPeers.ids(), reactors, messageEvents));
        if (admitted.replaced() != null) {
            log.debug("simultaneous connections with {}: keeping the one dialed by the lower id", connection.id());
            lifecycle.stop(admitted.replaced(), null, true);
        }
        lifecycle.start(admitted.peer());
        return admitted.peer();
    }

    private void refused(SocketAddress remote, NodeId peer, Throwable reason) {
        refusals.refused(remote, peer, reason);
        listeners.connectionRefused(remote, Direction.INBOUND, reason);
    }
}
