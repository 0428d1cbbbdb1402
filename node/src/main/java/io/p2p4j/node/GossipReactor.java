package io.p2p4j.node;

import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.Peer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small flooding reactor on the demo channel 0x70: a published message goes to every peer,
 * and each node passes on (once) what it had not seen, so messages reach the whole network.
 * Shows the switch at work in {@code p2p4j demo} and {@code p2p4j start}.
 */
final class GossipReactor extends BaseReactor {
    static final byte CHANNEL = 0x70;
    /** The type of every message on the channel in the node's metrics, in CometBFT's {@code package_Type} form. */
    static final String MESSAGE_TYPE = "p2p4j_GossipMessage";
    private static final int REMEMBERED = 10_000;

    private final Set<String> seen = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    });
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong bytesDelivered = new AtomicLong();

    @Override
    public List<ChannelDescriptor> channels() {
        return List.of(ChannelDescriptor.builder(CHANNEL).priority(1).sendQueueCapacity(16).recvMessageCapacity(1 << 20).build());
    }

    /** Gossip messages are opaque bytes of one kind. */
    @Override
    public String messageType(byte channelId, byte[] message) {
        return MESSAGE_TYPE;
    }

    /** Sends a new message to the network. */
    void publish(byte[] message) {
        if (remember(message)) {
            sw().broadcast(CHANNEL, message);
        }
    }

    @Override
    public void receive(byte channelId, Peer from, byte[] message) {
        if (!remember(message)) {
            return;
        }
        delivered.incrementAndGet();
        bytesDelivered.addAndGet(message.length);
        for (Peer peer : sw().peers().list()) {
            if (!peer.id().equals(from.id())) {
                peer.trySend(CHANNEL, message);
            }
        }
    }

    private boolean remember(byte[] message) {
        String digest = digest(message);
        synchronized (seen) {
            return seen.add(digest);
        }
    }

    private static String digest(byte[] message) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(message), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
