package io.p2p4j;

import io.p2p4j.conn.MConnection;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.HandshakeException.Reason;
import io.p2p4j.transport.UpgradedConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops the switch's peers: the one place a peer's {@link SwitchPeer.State} changes.
 * A start takes an admitted peer to RUNNING (initPeer, mailbox, MConnection, peer set, addPeer,
 * listeners); a stop, from any thread and any state, to STOPPED (connection and mailbox closed,
 * removePeer, out of admission's table, listeners if it had run). It also delivers each peer's
 * messages to the reactors and says which reactors are busy.
 *
 * <p>Locking: each peer's {@code lifecycle} lock guards the calls to reactors and listeners
 * about that peer, its list of initialised reactors, its moves to RUNNING and STOPPED and its
 * entry in the peer set; reactor code (initPeer, addPeer, removePeer) runs under it. A stop moves
 * the peer to STOPPING without it, closes the connection and the mailbox (waiting up to
 * {@link #DELIVERY_GRACE} for a delivery), and only then takes it, so a start busy in a
 * reactor sees the stop at its next step and a stop never waits for a delivery under the lock.
 * The mailbox's lock may be taken under it, never the other way round; admission's lock never.
 */
final class PeerLifecycle {
    /** Logs as the switch, the logger operators know. */
    private static final Logger log = LoggerFactory.getLogger(Switch.class);
    /** How long stopping a peer waits for a reactor still handling one of its messages. */
    static final Duration DELIVERY_GRACE = Duration.ofSeconds(2);
    /** A reactor busy this long with one message is reported in the log. */
    static final Duration SLOW_DELIVERY = Duration.ofSeconds(5);
    /** How long a peer stopped gracefully may take to send what was queued for it. */
    static final Duration GRACEFUL_FLUSH = Duration.ofSeconds(2);

    private final ReactorTable reactors;
    private final P2pConfig config;
    /** What mailboxes of peers whose reactor is blocked in a send may read past their bound, in all. */
    private final MailboxReserve mailboxReserve;
    private final PeerSetView peers;
    private final SwitchListener listeners;
    private final Admission admission;
    /** The switch's stop for an error (it redials persistent peers). */
    private final BiConsumer<SwitchPeer, Throwable> failed;
    /** Test seam: runs in start with the peer's lifecycle lock held, just before it joins the peer set. */
    volatile Consumer<SwitchPeer> beforePeerSetAdd = peer -> {};
    /** Test seam: runs at the start of each slow-reactor report, on the switch's timer thread. */
    volatile Runnable slowReportHook = () -> {};

    PeerLifecycle(ReactorTable reactors, P2pConfig config, MailboxReserve mailboxReserve, PeerSetView peers,
            SwitchListener listeners, Admission admission, BiConsumer<SwitchPeer, Throwable> failed) {
        this.reactors = reactors;
        this.config = config;
        this.mailboxReserve = mailboxReserve;
        this.peers = peers;
        this.listeners = listeners;
        this.admission = admission;
        this.failed = failed;
    }

    /**
     * Takes an admitted peer to RUNNING: initPeer on every reactor, its mailbox and MConnection,
     * the peer set, addPeer on every reactor, the listeners. Throws, with the peer stopped, if it
     * fails or is stopped meanwhile.
     */
    void start(SwitchPeer peer) throws Exception {
        peer.lifecycle.lock();
        try {
            for (Reactor reactor : reactors.all()) {
                if (peer.state() != SwitchPeer.State.ADMITTED) {
                    throw stoppedWhileSetUp(peer);
                }
                peer.initialized.add(reactor);
                reactor.initPeer(peer);
            }
            InboundMailbox mailbox = new InboundMailbox("peer-" + peer.id().hex().substring(0, 12),
                    config.mailboxBytes(), mailboxReserve, (ch, msg) -> deliver(peer, ch, msg),
                    peer::syncReading, e -> failed.accept(peer, e));
            peer.mailbox = mailbox;
            UpgradedConnection connection = peer.connection();
            MConnection mconnection = MConnection.builder(connection.channel())
                    .channels(reactors.channels())
                    .config(config.connection())
                    .onReceive(mailbox::put)
                    .onError(e -> Thread.ofVirtual().start(() -> failed.accept(peer, e)))
                    .start();
            peer.mconnection = mconnection;
            connection.channel().eventLoop().execute(connection::handOff);
            if (!connection.channel().isActive()) {
                throw new HandshakeException(Reason.CLOSED, "peer " + peer.id() + " closed the connection while it was set up");
            }
            if (!peer.markRunning()) {
                throw stoppedWhileSetUp(peer);
            }
            // from here a stop waits for this lock, and then takes the peer out of the set again
            beforePeerSetAdd.accept(peer);
            peers.add(peer);
            for (Reactor reactor : reactors.all()) {
                reactor.addPeer(peer);
            }
            mailbox.start();
            log.info("added peer {} ({}, {})", peer.id(), peer.isOutbound() ? "outbound" : "inbound",
                    peer.remoteAddress());
            listeners.peerAdded(peer);
        } catch (Exception e) {
            failed.accept(peer, e);
            throw e;
        } finally {
            peer.lifecycle.unlock();
        }
    }

    private static HandshakeException stoppedWhileSetUp(SwitchPeer peer) {
        return new HandshakeException(Reason.CLOSED, "peer " + peer.id() + " was stopped while it was set up");
    }

    private void deliver(SwitchPeer peer, byte channelId, byte[] message) throws Exception {
        Reactor reactor = reactors.owner(channelId);
        if (reactor == null) {
            return;
        }
        // no isRunning() check: what arrived before the peer closed is still delivered; stopPeer
        // closes the mailbox before removePeer, so nothing is delivered after it
        peer.busyReactor = reactor;
        peer.busySinceNanos = System.nanoTime();
        peer.busyReported = false;
        peer.messageEvents.received(peer, channelId, message);
        try {
            reactor.receive(channelId, peer, message);
        } finally {
            peer.busyReactor = null;
        }
    }

    /**
     * Stops a peer: moves it to STOPPING (the first caller only; the others return false at once),
     * closes its connection (sending what was queued first if {@code flush}) and its mailbox,
     * tells the reactors that had initPeer {@code removePeer}, moves it to STOPPED, takes it out of
     * admission's table, and tells the listeners if it had run.
     */
    boolean stop(SwitchPeer peer, Throwable reason, boolean flush) {
        SwitchPeer.State was = peer.markStopping();
        if (was == null) {
            return false;
        }
        MConnection mconnection = peer.mconnection;
        if (mconnection != null && flush) {
            mconnection.flushAndClose(GRACEFUL_FLUSH); // what was queued (a last PEX answer, say) still goes out
        } else if (mconnection != null) {
            mconnection.close();
        } else {
            peer.connection().channel().close();
        }
        peer.broadcastLane.close();
        peers.remove(peer);
        InboundMailbox mailbox = peer.mailbox;
        if (mailbox != null && !mailbox.close(DELIVERY_GRACE)) {
            log.warn("peer {}: reactor {} still busy with a message after {} ms; abandoned", peer.id(),
                    peer.busyReactor, DELIVERY_GRACE.toMillis());
        }
        peer.lifecycle.lock();
        try {
            // a start that became RUNNING before our mark added the peer under this lock: take it out again
            peers.remove(peer);
            for (Reactor reactor : peer.initialized) {
                try {
                    reactor.removePeer(peer, reason);
                } catch (RuntimeException e) {
                    log.warn("reactor {} failed in removePeer for {}", reactor, peer.id(), e);
                }
            }
            peer.initialized.clear();
            peer.markStopped();
        } finally {
            peer.lifecycle.unlock();
            admission.remove(peer);
        }
        if (reason == null) {
            log.info("removed peer {}", peer.id());
        } else {
            log.info("removed peer {}: {}", peer.id(), reason.getMessage() == null ? reason : reason.getMessage());
        }
        if (was == SwitchPeer.State.RUNNING) { // listeners heard peerAdded only of a peer that ran
            listeners.peerRemoved(peer, reason);
        }
        return true;
    }


    /**
     * Stops every peer at once, each on a thread of its own, so that reactors stuck on N peers
     * cost one delivery grace, not N; waits for them a little longer than one grace and the flush.
     */
    void stopAll(List<SwitchPeer> all) {
        List<Thread> stops = new ArrayList<>();
        for (SwitchPeer peer : all) {
            stops.add(Thread.ofVirtual().name("p2p4j-stop-" + peer.id().hex().substring(0, 8)).start(() -> stop(peer, null, false)));
        }
        Duration grace = DELIVERY_GRACE.plus(GRACEFUL_FLUSH);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread stop : stops) {
            try {
                if (!stop.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    log.warn("a peer is still stopping after {} ms; closing anyway", grace.toMillis());
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }


    /** The switch timer's task, every second: an exception out of it would end the schedule silently. */
    void reportSlowReactorsSafely() {
        try {
            reportSlowReactors();
        } catch (RuntimeException e) {
            log.warn("reporting slow reactors failed", e);
        }
    }

    /** Logs, once each, reactors busy with one message for longer than {@link #SLOW_DELIVERY}. */
    private void reportSlowReactors() {
        slowReportHook.run();
        long now = System.nanoTime();
        for (SwitchPeer peer : peers.snapshot()) {
            Reactor busy = peer.busyReactor;
            if (busy != null && !peer.busyReported && now - peer.busySinceNanos > SLOW_DELIVERY.toNanos()) {
                peer.busyReported = true;
                log.warn("reactor {} has been handling a message from peer {} for more than {} s; reading from "
                        + "that peer pauses while its messages wait", reactors.nameOf(busy), peer.id(),
                        SLOW_DELIVERY.toSeconds());
            }
        }
    }

    /**
     * Reactors busy with a message right now: which, from which peer and for how long (for
     * diagnostics; the log reports any busy for more than 5 s).
     */
    List<BusyReactor> busyReactors() {
        long now = System.nanoTime();
        List<BusyReactor> found = new ArrayList<>();
        for (SwitchPeer peer : peers.snapshot()) {
            Reactor busy = peer.busyReactor;
            if (busy != null) {
                found.add(new BusyReactor(reactors.nameOf(busy), peer.id(),
                        java.time.Duration.ofNanos(now - peer.busySinceNanos)));
            }
        }
        return found;
    }
}
