package io.p2p4j;

import io.p2p4j.conn.ChannelDescriptor;
import java.util.List;

/**
 * A protocol running over the switch: it owns one or more channels, hears about peers coming and
 * going, and receives the messages peers send on its channels. Sending is done on the
 * {@link Peer}.
 *
 * <p><b>Threading.</b> Calls for one peer come in order on that peer's own virtual thread
 * ({@code receive}) or on the switch's thread that adds or removes the peer; never on a Netty
 * event loop. A reactor may block (for example in {@link Peer#send}); while it does, messages
 * from that peer wait, and once enough of them wait, reading from that peer pauses. Calls for
 * different peers can come at the same time, so shared state must be thread-safe.
 *
 * <p><b>Lifecycle.</b> For every peer: {@link #initPeer} (before its connection starts), then
 * {@link #addPeer}, then {@link #removePeer}, each at most once; {@code removePeer} is never
 * called for a peer that was not initialized, and no message of the peer is delivered after it.
 * An exception from {@code addPeer} or {@code receive} stops that peer with the exception as the
 * reason.
 */
public interface Reactor {

    /** The channels this reactor owns; two reactors claiming one id is a configuration error. */
    List<ChannelDescriptor> channels();

    /** Called before the peer's connection starts; set up per-peer state here. */
    default void initPeer(Peer peer) { }

    /** Called once the peer is running and in the switch's peer set. */
    default void addPeer(Peer peer) { }

    /** Called once when the peer is gone, with the reason (null when stopped without error). */
    default void removePeer(Peer peer, Throwable reason) { }

    /** Called with each whole message the peer sent on one of this reactor's channels. */
    void receive(byte channelId, Peer peer, byte[] message) throws Exception;

    /**
     * The type of a message on one of this reactor's channels, for metrics: the switch asks for
     * each message queued for a peer or received from one, when it has a listener to tell
     * ({@link SwitchListener#messageSent}, {@link SwitchListener#messageReceived}). Called on the
     * thread sending or delivering, for every message: look at the bytes without copying or
     * decoding them whole, return one of a few constant strings (each becomes a metrics series
     * that stays), never block, never throw. A null return means the message is not counted, for
     * one the reactor cannot read (CometBFT counts a received message only once it decoded it).
     *
     * <p>CometBFT v0.38 names a message by its Go type, the package and the type joined by an
     * underscore ({@code p2p_PexRequest}, {@code consensus_Vote}); a reactor speaking one of
     * CometBFT's protocols should name its messages the same way. The default names the channel:
     * {@code channel_0x70}.
     */
    default String messageType(byte channelId, byte[] message) {
        return MessageEvents.channelType(channelId);
    }
}
