package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.internal.CompletionCause;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.HandshakeException.Reason;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's persistent peers and their redialing: whenever one is not connected it is dialed
 * at its configured address, at once and then with the pauses of the {@link P2pConfig.ReconnectPolicy},
 * as CometBFT's reconnectToPeer, until it is connected or the switch closes.
 *
 * <p>No locks: the table and the set of ids being redialed are concurrent, and adding an id to
 * {@code redialing} is what makes one caller the owner of its loop, so there is at most one loop
 * per id. The loop runs on the switch's timer thread and only starts dials (which do not block).
 */
final class PersistentPeers {
    private static final Logger log = LoggerFactory.getLogger(PersistentPeers.class);

    private final Map<NodeId, NetAddress> addresses = new ConcurrentHashMap<>();
    /** Ids with a redial loop under way. */
    private final Set<NodeId> redialing = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private final P2pConfig.ReconnectPolicy policy;
    private final Function<NetAddress, CompletableFuture<Peer>> dial;
    private final Predicate<NodeId> connected;
    private volatile boolean closed;

    /**
     * @param dial      the switch's dial
     * @param connected whether the switch has a peer (being set up or running) with the id
     */
    PersistentPeers(ScheduledExecutorService timers, P2pConfig.ReconnectPolicy policy,
            Function<NetAddress, CompletableFuture<Peer>> dial, Predicate<NodeId> connected) {
        this.timers = timers;
        this.policy = policy;
        this.dial = dial;
        this.connected = connected;
    }

    /** The persistent ids, a live view (a connected peer can be made persistent at any time). */
    Set<NodeId> ids() {
        return addresses.keySet();
    }

    boolean contains(NodeId id) {
        return addresses.containsKey(id);
    }

    void add(NetAddress address) {
        addresses.put(address.id(), address);
    }

    /**
     * Makes these persistent (all but {@code self}) and returns those with no peer admitted, to
     * be dialed: a peer admitted meanwhile either sees its id persistent or is among them, so none
     * is missed.
     */
    List<NetAddress> addAll(Collection<NetAddress> all, NodeId self) {
        List<NetAddress> notConnected = new ArrayList<>();
        for (NetAddress address : all) {
            if (!address.id().equals(self)) {
                add(address);
                if (!connected.test(address.id())) {
                    notConnected.add(address);
                }
            }
        }
        return notConnected;
    }

    /** No longer persistent (it turned out to be ourselves). */
    void forget(NodeId id) {
        addresses.remove(id);
    }

    /** The configured address of a persistent peer, or {@code fallback}. */
    NetAddress addressOf(NodeId id, NetAddress fallback) {
        return addresses.getOrDefault(id, fallback);
    }

    /** Starts redialing the peer at {@code address} unless a loop for it is under way; the first dial is at once. */
    void redial(NetAddress address) {
        if (closed || !redialing.add(address.id())) {
            return;
        }
        try {
            timers.execute(() -> attempt(address, 0));
        } catch (RejectedExecutionException e) {
            redialing.remove(address.id()); // closing
        }
    }

    /** Ends every loop at its next step; the switch shuts the timer down. */
    void close() {
        closed = true;
    }

    private void schedule(NetAddress address, int attempt) {
        if (closed) {
            redialing.remove(address.id());
            return;
        }
        long delay = policy.delayBefore(attempt).toMillis();
        long jitter = policy.jitter().toMillis();
        if (jitter > 0) {
            delay += ThreadLocalRandom.current().nextLong(jitter);
        }
        try {
            timers.schedule(() -> attempt(address, attempt), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            redialing.remove(address.id()); // closing
        }
    }

    private void attempt(NetAddress address, int attempt) {
        if (closed || !contains(address.id()) || connected.test(address.id())) {
            redialing.remove(address.id());
            return;
        }
        log.debug("redialing persistent peer {} (attempt {})", address, attempt + 1);
        dial.apply(address).whenComplete((peer, error) -> {
            if (error == null) {
                redialing.remove(address.id());
                return;
            }
            Throwable cause = CompletionCause.of(error);
            if (cause instanceof HandshakeException h && (h.reason() == Reason.SELF
                    || (h.reason() == Reason.DUPLICATE && connected.test(address.id())))) {
                redialing.remove(address.id());
                return;
            }
            schedule(address, attempt + 1);
        });
    }
}
