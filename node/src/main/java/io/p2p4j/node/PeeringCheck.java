package io.p2p4j.node;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeInfoException;
import io.p2p4j.node.NodeConfig.ConfigException;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Settings under which peers would refuse this node, found before it starts rather than
 * guessed from connections that close: a moniker CometBFT's NodeInfo rules refuse (an error),
 * and a channel list sharing nothing with CometBFT's (a warning: p2p4j nodes still peer).
 */
final class PeeringCheck {
    /**
     * The channels a CometBFT v0.38 full node announces: PEX 0x00, consensus 0x20-0x23, mempool
     * 0x30, evidence 0x38, block sync 0x40, state sync 0x60-0x61.
     */
    static final Set<Integer> COMETBFT_CHANNELS = Set.of(0x00, 0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x40, 0x60, 0x61);

    /** Refuses a moniker every peer would refuse (CometBFT: non-empty printable ASCII). */
    static void checkMoniker(String moniker, String origin) throws ConfigException {
        try {
            NodeInfo.of(NodeId.parse("0".repeat(40)), "127.0.0.1:1", "probe", "", new byte[0], moniker).validate();
        } catch (NodeInfoException e) {
            throw new ConfigException("moniker = \"" + moniker + "\" (" + origin + ") is empty or not printable ASCII: "
                    + "every CometBFT peer would refuse this node");
        }
    }

    /**
     * A warning when none of {@code channels} is a CometBFT channel: CometBFT nodes refuse a peer
     * without a channel in common, so this node could only peer with p2p4j nodes.
     */
    static Optional<String> channelWarning(byte[] channels, boolean pex) {
        for (byte c : channels) {
            if (COMETBFT_CHANNELS.contains(Byte.toUnsignedInt(c))) {
                return Optional.empty();
            }
        }
        String ours = new String(channels, java.nio.charset.StandardCharsets.ISO_8859_1).chars()
                .mapToObj(ChannelDescriptor::format).collect(Collectors.joining(", "));
        return Optional.of("this node's channels (" + ours + ") share none with CometBFT's, so CometBFT nodes will "
                + "refuse it (no common channel) and it can peer only with p2p4j nodes"
                + (pex ? "" : "; p2p.pex = true adds the PEX channel 0x00 that CometBFT nodes have"));
    }

    private PeeringCheck() {}
}
