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

    /** An array: the message events run for every message, and iterate it without allocating. */
    private final SwitchListener[] listeners;

    SwitchListeners(List<SwitchListener> listeners) {
        this.listeners = listeners.toArray(SwitchListener[]::new);
    }

    /** No listener at all: the message events need not even name the message. */
    boolean isEmpty() {
        return listeners.length == 0;
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

    @Override
    public void messageSent(Peer peer, byte channelId, String messageType, int bytes) {
        for (SwitchListener listener : listeners) {
            try {
                listener.messageSent(peer, channelId, messageType, bytes);
            } catch (RuntimeException e) {
                messageEventFailed(listener, peer, e);
            }
        }
    }

    @Override
    public void messageReceived(Peer peer, byte channelId, String messageType, int bytes) {
        for (SwitchListener listener : listeners) {
            try {
                listener.messageReceived(peer, channelId, messageType, bytes);
            } catch (RuntimeException e) {
                messageEventFailed(listener, peer, e);
            }
        }
    }

    /** At debug: a listener failing on every message must not write a warning for each. */
    private static void messageEventFailed(SwitchListener listener, Peer peer, RuntimeException e) {
        log.debug("switch listener {} failed on a message event of peer {}", listener, peer.id(), e);
    }

    private static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("a switch listener failed", e);
        }
    }
}
