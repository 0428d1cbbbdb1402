package io.p2p4j.conn;

import io.p2p4j.conn.ChannelDescriptor;
import java.util.List;

/**
 * A connection's channels by id: an array indexed by the unsigned id, only as long as the largest
 * id needs (a full node's channels end at 0x61), since every connection has its own.
 */
final class ChannelTable {
    private final ChannelState[] byId;

    ChannelTable(List<ChannelState> channels) {
        int maxId = -1;
        for (ChannelState state : channels) {
            maxId = Math.max(maxId, state.descriptor.unsignedId());
        }
        byId = new ChannelState[maxId + 1];
        for (ChannelState state : channels) {
            int id = state.descriptor.unsignedId();
            if (byId[id] != null) {
                throw new IllegalArgumentException("channel " + ChannelDescriptor.format(id) + " registered twice");
            }
            byId[id] = state;
        }
    }

    /** The channel with this unsigned id, or null if there is none. */
    ChannelState get(int unsignedId) {
        return unsignedId >= 0 && unsignedId < byId.length ? byId[unsignedId] : null;
    }
}
