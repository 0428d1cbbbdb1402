package io.p2p4j;

import io.p2p4j.identity.NodeId;
import java.util.List;
import java.util.Optional;

/** The switch's connected peers: a read-only, thread-safe view. */
public interface PeerSet {

    /** The peers now, in no particular order; a snapshot. */
    List<Peer> list();

    /** The peer with this id, if connected. */
    Optional<Peer> get(NodeId id);

    /** True if a peer with this id is connected. */
    boolean has(NodeId id);

    /** How many peers are connected. */
    int size();
}
