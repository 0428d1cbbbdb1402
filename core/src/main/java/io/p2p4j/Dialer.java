package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.internal.CompletionCause;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.HandshakeException.Reason;
import io.p2p4j.transport.Transport;
import io.p2p4j.transport.UpgradedConnection;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's outbound dials: never ourselves (by id, or at an address found to be ours), never
 * a peer already admitted, one dial at a time per id; a connection that comes up is admitted on a
 * virtual thread of its own. A dial that fails is told to the listeners; one that reached
 * ourselves makes its address ours and its id no longer persistent; a persistent peer's is
 * redialed.
 *
 * <p>No locks of its own: a dial is the id's DIALING entry in admission's table, put there by
 * {@link Admission#startDial} (which refuses a second one) and ended when the dial has ended
 * either way.
 */
final class Dialer {
    /** Logs as the switch, the logger operators know. */
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    /** The switch's admission and start of a dialed connection. */
    @FunctionalInterface
    interface Admit {
        SwitchPeer admit(UpgradedConnection connection, NetAddress dialed) throws Exception;
    }

    private final NodeId self;
    private final Transport transport;
    private final OurAddresses ourAddresses;
    private final Admission admission;
    private final Admit admit;
    private final SwitchListener listeners;
    private final PersistentPeers persistentPeers;

    Dialer(NodeId self, Transport transport, OurAddresses ourAddresses, Admission admission, Admit admit,
            SwitchListener listeners, PersistentPeers persistentPeers) {
        this.self = self;
        this.transport = transport;
        this.ourAddresses = ourAddresses;
        this.admission = admission;
        this.admit = admit;
        this.listeners = listeners;
        this.persistentPeers = persistentPeers;
    }

    /** See {@link Switch#dial}; the switch has checked that it runs. */
    CompletableFuture<Peer> dial(NetAddress address) {
        if (address.id().equals(self) || ourAddresses.isOurs(address)) {
            return CompletableFuture.failedFuture(new HandshakeException(Reason.SELF, "refusing to dial ourselves at " + address));
        }
        Admission.Dialing dialing;
        try {
            dialing = admission.startDial(address.id());
        } catch (HandshakeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Peer> result = new CompletableFuture<>();
        transport.dial(address).whenComplete((connection, error) -> Thread.ofVirtual().start(() -> {
            try {
                if (error != null) {
                    throw CompletionCause.of(error);
                }
                result.complete(admit.admit(connection, address));
            } catch (Throwable e) {
                failed(address, e);
                result.completeExceptionally(e);
            } finally {
                admission.endDial(dialing);
            }
        }));
        return result;
    }

    private void failed(NetAddress address, Throwable error) {
        listeners.connectionRefused(InetSocketAddress.createUnresolved(address.host(), address.port()), Direction.OUTBOUND, error);
        if (error instanceof HandshakeException h) {
            if (h.reason() == Reason.SELF) {
                ourAddresses.add(address.host(), address.port());
                persistentPeers.forget(address.id());
                log.info("{} is ourselves: not dialing it again", address);
                return;
            }
            if (h.reason() == Reason.DUPLICATE) {
                return;
            }
        }
        log.debug("dial {} failed: {}", address, error.getMessage());
        if (persistentPeers.contains(address.id())) {
            persistentPeers.redial(address);
        }
    }
}
