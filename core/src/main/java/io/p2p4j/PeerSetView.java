package io.p2p4j;

import io.p2p4j.identity.NodeId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The switch's running peers, by id; the {@link PeerSet} users see. */
final class PeerSetView implements PeerSet {
    private final Map<NodeId, SwitchPeer> peers = new ConcurrentHashMap<>();

    void add(SwitchPeer peer) {
        peers.put(peer.id(), peer);
    }

    void remove(SwitchPeer peer) {
        peers.remove(peer.id(), peer);
    }

    /** The running peers counted by direction, with {@code dialing} dials under way. */
    PeerCounts counts(int dialing) {
        int outbound = 0;
        int inbound = 0;
        for (SwitchPeer peer : peers.values()) {
            if (peer.isOutbound()) {
                outbound++;
            } else {
                inbound++;
            }
        }
        return new PeerCounts(outbound, inbound, dialing);
    }

    List<SwitchPeer> snapshot() {
        return List.copyOf(peers.values());
    }

    @Override
    public List<Peer> list() {
        return List.copyOf(peers.values());
    }

    @Override
    public Optional<Peer> get(NodeId id) {
        return Optional.ofNullable(peers.get(id));
    }

    @Override
    public boolean has(NodeId id) {
        return peers.containsKey(id);
    }

    @Override
    public int size() {
        return peers.size();
    }
}
