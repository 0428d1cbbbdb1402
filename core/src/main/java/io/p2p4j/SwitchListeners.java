package io.p2p4j;

import java.net.SocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's listeners as one: each call goes to every listener in order, and one that throws
 * is logged and does not keep the call from the others. No state of its own beyond the list.
 */
final class SwitchListeners implements SwitchListener {
    /** Logs as the switch, the logger operators know. */
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    private final List<SwitchListener> listeners;

    SwitchListeners(List<SwitchListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void peerAdded(Peer peer) {
        for (SwitchListener listener : listeners) {
            safely(() -> listener.peerAdded(peer));
        }
    }

    @Override
    public void peerRemoved(Peer peer, Throwable reason) {
        for (SwitchListener listener : listeners) {
            safely(() -> listener.peerRemoved(peer, reason));
        }
    }

    @Override
    public void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) {
        for (SwitchListener listener : listeners) {
            safely(() -> listener.connectionRefused(remote, direction, reason));
        }
    }

    private static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("a switch listener failed", e);
        }
    }
}
