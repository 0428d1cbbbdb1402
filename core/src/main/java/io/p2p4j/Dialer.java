package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.HandshakeException.Reason;
import io.p2p4j.transport.Transport;
import io.p2p4j.transport.UpgradedConnection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The switch's outbound dials: never ourselves (by id, or at an address found to be ours), never
 * a peer already admitted, one dial at a time per id; a connection that comes up is admitted on a
 * virtual thread of its own.
 *
 * <p>No locks: adding an id to the concurrent set of ids being dialed is what makes one caller
 * the dialer of that id, and the id leaves it when its dial has ended either way.
 */
final class Dialer {
    /** The switch's admission and start of a dialed connection. */
    @FunctionalInterface
    interface Admit {
        SwitchPeer admit(UpgradedConnection connection, NetAddress dialed) throws Exception;
    }

    private final NodeId self;
    private final Transport transport;
    private final Predicate<NodeId> admitted;
    private final Admit admit;
    private final BiConsumer<NetAddress, Throwable> failed;
    private final Set<NodeId> dialing = ConcurrentHashMap.newKeySet();
    /** host:port addresses that are ours, as dial compares them. */
    private final Set<String> ourAddresses = ConcurrentHashMap.newKeySet();

    /**
     * @param admitted whether a peer with the id is admitted (set up or running)
     * @param failed   told of every dial that failed, after it ended
     */
    Dialer(NodeId self, Transport transport, Predicate<NodeId> admitted, Admit admit, BiConsumer<NetAddress, Throwable> failed) {
        this.self = self;
        this.transport = transport;
        this.admitted = admitted;
        this.admit = admit;
        this.failed = failed;
    }

    /** An address of ours: dials to it are refused as dials to ourselves. */
    void addOurAddress(String host, int port) {
        ourAddresses.add(host + ":" + port);
    }

    int dialingCount() {
        return dialing.size();
    }

    boolean isDialing(NodeId id) {
        return dialing.contains(id);
    }

    /** See {@link Switch#dial}; the switch has checked that it runs. */
    CompletableFuture<Peer> dial(NetAddress address) {
        if (address.id().equals(self) || ourAddresses.contains(address.host() + ":" + address.port())) {
            return CompletableFuture.failedFuture(new HandshakeException(Reason.SELF, "refusing to dial ourselves at " + address));
        }
        if (admitted.test(address.id())) {
            return CompletableFuture.failedFuture(new HandshakeException(Reason.DUPLICATE, "already connected to " + address.id()));
        }
        if (!dialing.add(address.id())) {
            return CompletableFuture.failedFuture(new HandshakeException(Reason.DUPLICATE, "already dialing " + address.id()));
        }
        CompletableFuture<Peer> result = new CompletableFuture<>();
        transport.dial(address).whenComplete((connection, error) -> Thread.ofVirtual().start(() -> {
            try {
                if (error != null) {
                    throw Switch.unwrap(error);
                }
                result.complete(admit.admit(connection, address));
            } catch (Throwable e) {
                failed.accept(address, e);
                result.completeExceptionally(e);
            } finally {
                dialing.remove(address.id());
            }
        }));
        return result;
    }
}
