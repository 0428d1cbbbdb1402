package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;

/**
 * Decides whether a peer that completed the handshake may join: throw to refuse it. Runs off the
 * event loops, bounded by the filter timeout; a filter that does not answer in time refuses the
 * peer.
 */
@FunctionalInterface
public interface PeerFilter {
    void check(NodeId id, NodeInfo nodeInfo) throws Exception;
}
