package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.HandshakeException.Reason;
import io.p2p4j.transport.UpgradedConnection;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Who may become a peer of the switch, and the one table of every id it is dialing or has a peer
 * for: peer filters, the inbound limit, one connection per id (of two dialed at once, both sides
 * keep the one dialed by the lower id), one dial at a time per id, nothing once the switch closes.
 *
 * <p>The table holds for an id either a {@link Dialing} entry (state DIALING: a dial under way, no
 * peer yet) or the {@link SwitchPeer} admitted (ADMITTED and on, until it is STOPPED). An entry
 * appears only here: {@link #startDial} puts a Dialing one, {@link #admit} puts the peer in place
 * of a Dialing one or of nothing (or of a duplicate it wins against). It leaves when its dial ends
 * ({@link #endDial}) or its peer is stopped ({@link #remove}), each removing only itself. So "is X
 * connected or being dialed" is one look-up ({@link #state}).
 *
 * <p>Locking: {@link #lock} guards {@code open} and {@code closed}, and every put in the table is
 * made under it with its checks, so a dial or an admission either put its entry where
 * {@link #close()} will find it, or sees the switch closed. Held for a few map operations only: no
 * filter, reactor, listener or wait runs under it, and no other lock is taken while it is held.
 * The table itself is concurrent: it is read, and entries remove themselves, without the lock.
 */
final class Admission {
    /** A peer let in, and the one it replaces (null if none), which the caller stops. */
    record Admitted(SwitchPeer peer, SwitchPeer replaced) {}

    /** What the table holds for an id: a dial under way, or the peer admitted. */
    sealed interface Entry permits Dialing, SwitchPeer {
        SwitchPeer.State state();
    }

    /** A dial under way to an id that has no peer yet; compared by identity, so a dial removes only its own. */
    static final class Dialing implements Entry {
        private final NodeId id;

        private Dialing(NodeId id) {
            this.id = id;
        }

        @Override
        public SwitchPeer.State state() {
            return SwitchPeer.State.DIALING;
        }
    }

    /** Makes the switch's peer for a connection and the address to give it. */
    @FunctionalInterface
    interface PeerFactory {
        SwitchPeer create(UpgradedConnection connection, NetAddress remote);
    }

    final ReentrantLock lock = new ReentrantLock();
    /** Test seam: runs with the lock held, once the switch was found open. */
    volatile Runnable hook = () -> {};
    /** Every id being dialed, or with a peer being set up or running (the peer set holds only running ones). */
    private final Map<NodeId, Entry> table = new ConcurrentHashMap<>();
    private final AtomicInteger dialsUnderWay = new AtomicInteger();
    /** Runs peer filters, each check on a virtual thread of its own; shut down by close(). */
    private final ExecutorService filterThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final NodeId self;
    private final P2pConfig config;
    private final List<PeerFilter> peerFilters;
    private final PersistentPeers persistentPeers;
    private boolean open;
    private boolean closed;

    Admission(NodeId self, P2pConfig config, List<PeerFilter> peerFilters, PersistentPeers persistentPeers) {
        this.self = self;
        this.config = config;
        this.peerFilters = List.copyOf(peerFilters);
        this.persistentPeers = persistentPeers;
    }

    /** Starts admitting (unless closed). */
    void open() {
        lock.lock();
        try {
            open = !closed;
        } finally {
            lock.unlock();
        }
    }

    /** Stops admitting for good; true only for the first call. The peers in the table stay, for the caller to stop. */
    boolean close() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            open = false;
        } finally {
            lock.unlock();
        }
        filterThreads.shutdownNow();
        return true;
    }

    /** True if a peer with the id is admitted and not yet stopped (a dial under way is not one). */
    boolean has(NodeId id) {
        return table.get(id) instanceof SwitchPeer;
    }

    /** The state of the id: DIALING, the state of its peer, or null if it is neither dialed nor admitted. */
    SwitchPeer.State state(NodeId id) {
        Entry entry = table.get(id);
        return entry == null ? null : entry.state();
    }

    /**
     * Dials under way, counted from {@link #startDial} to {@link #endDial}: also those whose id an
     * inbound peer took meanwhile (the dial may still come up and replace that peer), so that no
     * dialing means the peer set will not change by a dial of ours.
     */
    int dialingCount() {
        return dialsUnderWay.get();
    }

    /** The peers admitted and not yet stopped, now. */
    List<SwitchPeer> snapshot() {
        return peers().toList();
    }

    private Stream<SwitchPeer> peers() {
        return table.values().stream().filter(SwitchPeer.class::isInstance).map(SwitchPeer.class::cast);
    }

    /**
     * Makes the id DIALING, or refuses with a {@link HandshakeException}: DUPLICATE if it is
     * being dialed or has a peer, CLOSED if the switch is not open. The dialer ends it with
     * {@link #endDial} whatever comes of the dial.
     */
    Dialing startDial(NodeId id) throws HandshakeException {
        lock.lock();
        try {
            if (!open) {
                throw new HandshakeException(Reason.CLOSED, "the switch is not running");
            }
            Entry existing = table.get(id);
            if (existing != null) {
                throw new HandshakeException(Reason.DUPLICATE, (existing instanceof Dialing ? "already dialing "
                        : "already connected to ") + id);
            }
            Dialing dialing = new Dialing(id);
            table.put(id, dialing);
            dialsUnderWay.incrementAndGet();
            return dialing;
        } finally {
            lock.unlock();
        }
    }

    /** The dial has ended: its entry leaves, unless the peer it dialed (or one that came in meanwhile) took the id. */
    void endDial(Dialing dialing) {
        table.remove(dialing.id, dialing);
        dialsUnderWay.decrementAndGet();
    }

    /** Takes a stopped peer out of the table (not a newer peer with the same id). */
    void remove(SwitchPeer peer) {
        table.remove(peer.id(), peer);
    }

    /**
     * Lets a connection in, or refuses it (closing it) with a {@link HandshakeException} saying
     * why: filters first, then under the lock the switch open, the inbound limit and duplicates.
     * Runs on a virtual thread: the filters may take up to their timeout.
     */
    Admitted admit(UpgradedConnection connection, NetAddress dialed, PeerFactory peers) throws Exception {
        NodeId id = connection.id();
        try {
            runPeerFilters(connection);
        } catch (Exception e) {
            connection.channel().close();
            throw e;
        }
        boolean persistent = persistentPeers.contains(id);
        NetAddress remote = dialed != null ? dialed
                : new NetAddress(id, connection.remote().getAddress().getHostAddress(), connection.remote().getPort());
        SwitchPeer peer = peers.create(connection, remote);
        SwitchPeer replaced = null;
        lock.lock();
        try {
            if (!open) {
                connection.channel().close();
                throw new HandshakeException(Reason.CLOSED, "the switch is closing");
            }
            hook.run();
            if (!connection.outbound() && !persistent && !config.unconditionalPeerIds().contains(id.hex())
                    && countInbound() >= config.maxInboundPeers()) {
                connection.channel().close();
                throw new HandshakeException(Reason.LIMIT, "inbound peer limit of " + config.maxInboundPeers()
                        + " reached, refusing " + id);
            }
            // a Dialing entry gives way: our own dial's when it is this connection, else the
            // inbound peer takes the id and our dial, when it comes up, meets it here
            if (table.get(id) instanceof SwitchPeer existing) {
                if (keepsNewConnection(existing, connection)) {
                    replaced = existing;
                } else {
                    connection.channel().close();
                    throw new HandshakeException(Reason.DUPLICATE, "already connected to " + id);
                }
            }
            table.put(id, peer);
        } finally {
            lock.unlock();
        }
        return new Admitted(peer, replaced);
    }

    /**
     * Two connections to one peer (both dialed at once): both sides keep the connection dialed
     * by the node with the lower id, so they agree without talking about it.
     */
    private boolean keepsNewConnection(SwitchPeer existing, UpgradedConnection fresh) {
        if (existing.isOutbound() == fresh.outbound()) {
            return false;
        }
        NodeId lower = self.hex().compareTo(fresh.id().hex()) < 0 ? self : fresh.id();
        NodeId freshDialer = fresh.outbound() ? self : fresh.id();
        return freshDialer.equals(lower);
    }

    private int countInbound() {
        return (int) peers().filter(p -> !p.isOutbound() && !config.unconditionalPeerIds().contains(p.id().hex()))
                .count();
    }

    private void runPeerFilters(UpgradedConnection connection) throws Exception {
        for (PeerFilter filter : peerFilters) {
            // on a thread of its own, so a filter that hangs costs its peer only; cancel interrupts it
            Future<?> check = filterThreads.submit(() -> {
                filter.check(connection.id(), connection.nodeInfo());
                return null;
            });
            try {
                check.get(config.filterTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                check.cancel(true);
                throw new HandshakeException(Reason.FILTERED, "peer " + connection.id() + " refused: filter timeout after "
                        + config.filterTimeout().toMillis() + " ms");
            } catch (ExecutionException e) {
                throw new HandshakeException(Reason.FILTERED, "peer " + connection.id() + " refused by a filter: "
                        + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    /** The connection filter of a switch that does not allow two peers on one IP. */
    void refuseDuplicateIp(InetSocketAddress remote) throws HandshakeException {
        SwitchPeer holder = peers().filter(p -> remote.getAddress().equals(p.connection().remote().getAddress()))
                .findFirst().orElse(null);
        if (holder != null) {
            throw new HandshakeException(Reason.FILTERED, "duplicate IP " + remote.getAddress().getHostAddress()
                    + " (peer " + holder.id() + " has it)");
        }
    }
}
