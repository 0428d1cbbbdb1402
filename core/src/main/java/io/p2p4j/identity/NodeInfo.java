package io.p2p4j.identity;

import io.p2p4j.conn.ChannelDescriptor;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a node says about itself in the handshake: CometBFT's {@code DefaultNodeInfo}.
 *
 * @param protocolVersion versions of the p2p, block and app protocols
 * @param id              the node id (must be the id of the key it authenticated with)
 * @param listenAddr      where it listens, {@code [tcp://]host:port}
 * @param network         the chain id
 * @param version         its software version
 * @param channels        the channel ids it has reactors for, one byte each
 * @param moniker         its human-readable name
 * @param txIndex         "", "on" or "off"
 * @param rpcAddress      its RPC address, or ""
 */
public record NodeInfo(ProtocolVersion protocolVersion, NodeId id, String listenAddr, String network, String version,
        byte[] channels, String moniker, String txIndex, String rpcAddress) {

    /** Largest encoded NodeInfo accepted: 10,240 bytes. */
    public static final int MAX_SIZE = 10240;
    /**
     * Most protobuf fields an encoded NodeInfo may hold, counted at every level: 64. CometBFT
     * writes at most 13 (8 in the NodeInfo, 3 in its protocol version, 2 in "other"); the rest is
     * room for fields a later version may add. The bound exists because protobuf keeps each
     * unknown or repeated field as objects of their own, about fifty times its size on the wire.
     */
    public static final int MAX_FIELDS = 64;
    /** Most channels a NodeInfo may list: 16. */
    public static final int MAX_CHANNELS = 16;
    /** The p2p protocol version CometBFT v0.38 sends. */
    public static final long P2P_PROTOCOL = 8;
    /** The block protocol version CometBFT v0.38 sends; peers must have the same. */
    public static final long BLOCK_PROTOCOL = 11;
    /** The version p2p4j sends. */
    public static final String DEFAULT_VERSION = "p2p4j-0.1.0";

    /** Protocol versions; only {@code block} must match between peers. */
    public record ProtocolVersion(long p2p, long block, long app) {}

    public NodeInfo {
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(id, "id");
        listenAddr = Objects.requireNonNullElse(listenAddr, "");
        network = Objects.requireNonNullElse(network, "");
        version = Objects.requireNonNullElse(version, "");
        channels = channels == null ? new byte[0] : channels.clone();
        moniker = Objects.requireNonNullElse(moniker, "");
        txIndex = Objects.requireNonNullElse(txIndex, "");
        rpcAddress = Objects.requireNonNullElse(rpcAddress, "");
    }

    /** Our NodeInfo: CometBFT v0.38's protocol versions, tx_index "off", no RPC address. */
    public static NodeInfo of(NodeId id, String listenAddr, String network, String version, byte[] channels,
            String moniker) {
        return new NodeInfo(new ProtocolVersion(P2P_PROTOCOL, BLOCK_PROTOCOL, 0), id, listenAddr, network, version,
                channels, moniker, "off", "");
    }

    /** The channel ids (a copy). */
    @Override
    public byte[] channels() {
        return channels.clone();
    }

    /** True if the node listed this channel. */
    public boolean hasChannel(byte channelId) {
        for (byte c : channels) {
            if (c == channelId) {
                return true;
            }
        }
        return false;
    }

    /** The address other nodes can dial, from the listen address; may be unspecified (0.0.0.0). */
    public NetAddress netAddress() {
        return NetAddress.fromHostPort(id, listenAddr);
    }

    /**
     * CometBFT's {@code Validate}: a parseable listen address, printable ASCII version (or empty),
     * at most 16 unique channels, a non-empty printable ASCII moniker, tx_index "", "on" or "off",
     * printable ASCII RPC address (or empty).
     *
     * @throws NodeInfoException naming the field that is wrong
     */
    public void validate() {
        try {
            netAddress();
        } catch (InvalidAddressException e) {
            throw new NodeInfoException("invalid listen address \"" + listenAddr + "\": " + e.getMessage());
        }
        if (!version.isEmpty() && !isPrintableAscii(version)) {
            throw new NodeInfoException("version \"" + version + "\" is not printable ASCII");
        }
        if (channels.length > MAX_CHANNELS) {
            throw new NodeInfoException(channels.length + " channels, more than the maximum of " + MAX_CHANNELS);
        }
        boolean[] seen = new boolean[256];
        for (byte c : channels) {
            if (seen[Byte.toUnsignedInt(c)]) {
                throw new NodeInfoException("channel " + ChannelDescriptor.format(Byte.toUnsignedInt(c)) + " listed twice");
            }
            seen[Byte.toUnsignedInt(c)] = true;
        }
        if (!isPrintableAscii(moniker)) {
            throw new NodeInfoException("moniker \"" + moniker + "\" is empty or not printable ASCII");
        }
        if (!txIndex.isEmpty() && !txIndex.equals("on") && !txIndex.equals("off")) {
            throw new NodeInfoException("tx_index \"" + txIndex + "\" is not \"\", \"on\" or \"off\"");
        }
        if (!rpcAddress.isEmpty() && !isPrintableAscii(rpcAddress)) {
            throw new NodeInfoException("rpc_address \"" + rpcAddress + "\" is not printable ASCII");
        }
    }

    /**
     * CometBFT's {@code CompatibleWith}, seen from this node: the same block protocol, the same
     * network and, if we list channels, at least one in common.
     *
     * @throws NodeInfoException.Incompatible naming the mismatch
     */
    public void checkCompatibleWith(NodeInfo other) {
        if (protocolVersion.block() != other.protocolVersion.block()) {
            throw new NodeInfoException.Incompatible("block protocol mismatch: ours " + protocolVersion.block()
                    + ", theirs " + other.protocolVersion.block());
        }
        if (!network.equals(other.network)) {
            throw new NodeInfoException.Incompatible("network mismatch: ours \"" + network + "\", theirs \""
                    + other.network + "\"");
        }
        if (channels.length == 0) {
            return;
        }
        for (byte c : channels) {
            if (other.hasChannel(c)) {
                return;
            }
        }
        throw new NodeInfoException.Incompatible("no common channel: ours " + HexFormat.of().formatHex(channels)
                + ", theirs " + HexFormat.of().formatHex(other.channels));
    }

    private static boolean isPrintableAscii(String s) {
        if (s.isEmpty()) {
            return false;
        }
        boolean allSpaces = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
            if (c != ' ') {
                allSpaces = false;
            }
        }
        return !allSpaces;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeInfo n && protocolVersion.equals(n.protocolVersion) && id.equals(n.id)
                && listenAddr.equals(n.listenAddr) && network.equals(n.network) && version.equals(n.version)
                && Arrays.equals(channels, n.channels) && moniker.equals(n.moniker) && txIndex.equals(n.txIndex)
                && rpcAddress.equals(n.rpcAddress);
    }

    @Override
    public int hashCode() {
        return Objects.hash(protocolVersion, id, listenAddr, network, version, Arrays.hashCode(channels), moniker,
                txIndex, rpcAddress);
    }

    @Override
    public String toString() {
        return "NodeInfo{id=" + id + ", listenAddr=" + listenAddr + ", network=" + network + ", version=" + version
                + ", channels=" + HexFormat.of().formatHex(channels) + ", moniker=" + moniker + "}";
    }
}
