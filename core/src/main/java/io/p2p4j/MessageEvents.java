package io.p2p4j;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the switch's listeners of each message queued for a peer and each message handed to a
 * reactor, named by its reactor ({@link Reactor#messageType}), through {@link SwitchListeners}.
 * This is on the path of every message: with no listener it costs a length check, and otherwise
 * the reactor's naming and a call per listener, with nothing allocated here.
 */
final class MessageEvents {
    private static final Logger log = LoggerFactory.getLogger(MessageEvents.class);
    /** The default message types, by channel: {@code channel_0x0} to {@code channel_0xff}. */
    private static final String[] CHANNEL_TYPES = new String[256];

    static {
        for (int id = 0; id < CHANNEL_TYPES.length; id++) {
            CHANNEL_TYPES[id] = "channel_0x" + Integer.toHexString(id);
        }
    }

    private final SwitchListeners listeners;
    private final ReactorTable reactors;

    MessageEvents(SwitchListeners listeners, ReactorTable reactors) {
        this.listeners = listeners;
        this.reactors = reactors;
    }

    /** The type of a message its reactor does not name: the channel, as Go's {@code %#x} writes it. */
    static String channelType(byte channelId) {
        return CHANNEL_TYPES[Byte.toUnsignedInt(channelId)];
    }

    /** A send or trySend of {@code peer} queued the message; on the sending thread. */
    void sent(Peer peer, byte channelId, byte[] message) {
        tell(peer, channelId, message, true);
    }

    /** The message of {@code peer} is about to go to its reactor; on the peer's delivering thread. */
    void received(Peer peer, byte channelId, byte[] message) {
        tell(peer, channelId, message, false);
    }

    private void tell(Peer peer, byte channelId, byte[] message, boolean sent) {
        if (listeners.isEmpty()) {
            return;
        }
        String type = typeOf(channelId, message);
        if (type == null) {
            return;
        }
        if (sent) {
            listeners.messageSent(peer, channelId, type, message.length);
        } else {
            listeners.messageReceived(peer, channelId, type, message.length);
        }
    }

    private String typeOf(byte channelId, byte[] message) {
        Reactor reactor = reactors.owner(channelId);
        if (reactor == null) {
            return null;
        }
        try {
            return reactor.messageType(channelId, message);
        } catch (RuntimeException e) {
            log.debug("reactor {} failed to name a message on channel {}", reactor, channelId, e);
            return null;
        }
    }
}
