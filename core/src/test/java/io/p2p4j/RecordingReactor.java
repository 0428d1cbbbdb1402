package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.conn.ChannelDescriptor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;

/** A test reactor that records every lifecycle call and message, in order. */
class RecordingReactor extends BaseReactor {
    record Event(String what, NodeId peer) {}

    private final List<ChannelDescriptor> channels;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final Map<NodeId, List<byte[]>> received = new ConcurrentHashMap<>();
    final Map<NodeId, Throwable> removeReasons = new ConcurrentHashMap<>();
    /** One permit per message received, for tests that pace a sender on what arrived without polling. */
    final Semaphore arrivals = new Semaphore(0);

    RecordingReactor(ChannelDescriptor... channels) {
        this.channels = List.of(channels);
    }

    @Override
    public List<ChannelDescriptor> channels() {
        return channels;
    }

    @Override
    public void initPeer(Peer peer) {
        events.add(new Event("init", peer.id()));
    }

    @Override
    public void addPeer(Peer peer) {
        events.add(new Event("add", peer.id()));
    }

    @Override
    public void removePeer(Peer peer, Throwable reason) {
        events.add(new Event("remove", peer.id()));
        if (reason != null) {
            removeReasons.put(peer.id(), reason);
        }
    }

    @Override
    public void receive(byte channelId, Peer peer, byte[] message) throws Exception {
        received.computeIfAbsent(peer.id(), k -> new CopyOnWriteArrayList<>()).add(message);
        arrivals.release();
    }

    List<byte[]> from(NodeId peer) {
        return received.computeIfAbsent(peer, k -> new CopyOnWriteArrayList<>());
    }

    List<String> lifecycle(NodeId peer) {
        return events.stream().filter(e -> e.peer().equals(peer)).map(Event::what).toList();
    }
}
