package io.p2p4j.bench;

import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.Peer;
import java.util.List;

/**
 * A reactor that registers the channels a CometBFT v0.38 full node has (PEX, consensus, mempool,
 * evidence, blocksync, statesync) with the priorities and capacities its reactors declare, and
 * ignores what arrives on them: the per-peer state of a full node's connection without its
 * application.
 */
final class FullNodeChannels extends BaseReactor {
    private static final int MIB = 1 << 20;

    @Override
    public List<ChannelDescriptor> channels() {
        return List.of(
                channel(0x00, 1, 10, 0, 64_000),                  // PEX
                channel(0x20, 6, 100, 0, MIB),                    // consensus state
                channel(0x21, 10, 100, 50 * 4096, MIB),           // consensus data
                channel(0x22, 7, 100, 100 * 100, MIB),            // consensus votes
                channel(0x23, 1, 2, 1024, MIB),                   // consensus vote set bits
                channel(0x30, 5, 0, 0, MIB + 16),                 // mempool
                channel(0x38, 6, 0, 0, MIB),                      // evidence
                channel(0x40, 5, 1000, 50 * 4096, 100 * MIB + 4096), // blocksync
                channel(0x60, 5, 10, 0, 4 * MIB),                 // statesync snapshots
                channel(0x61, 3, 10, 0, 16 * MIB));               // statesync chunks
    }

    /** A descriptor; a capacity of 0 keeps CometBFT's default. */
    private static ChannelDescriptor channel(int id, int priority, int sendQueue, int recvBuffer, int recvMessage) {
        ChannelDescriptor.Builder builder = ChannelDescriptor.builder((byte) id).priority(priority).recvMessageCapacity(recvMessage);
        if (sendQueue > 0) {
            builder.sendQueueCapacity(sendQueue);
        }
        if (recvBuffer > 0) {
            builder.recvBufferCapacity(recvBuffer);
        }
        return builder.build();
    }

    @Override
    public void receive(byte channelId, Peer peer, byte[] message) {
        // idle peers send nothing; anything that arrives is dropped
    }
}
