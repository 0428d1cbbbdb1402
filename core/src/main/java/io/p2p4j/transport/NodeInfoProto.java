package io.p2p4j.transport;

import com.google.protobuf.ByteString;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeInfoException;
import io.p2p4j.proto.DefaultNodeInfo;
import io.p2p4j.proto.DefaultNodeInfoOther;
import io.p2p4j.proto.ProtocolVersion;

/**
 * NodeInfo's wire form, the generated {@code DefaultNodeInfo}. Kept out of {@link NodeInfo}
 * so the exported API names no generated protobuf type; public only for the tests and tools
 * of this module, in a package the module does not export.
 */
public final class NodeInfoProto {

    private NodeInfoProto() {
    }

    /** The protobuf form, encoded as CometBFT encodes it (protocol_version and other always present). */
    public static DefaultNodeInfo toProto(NodeInfo info) {
        return DefaultNodeInfo.newBuilder()
                .setProtocolVersion(ProtocolVersion.newBuilder().setP2P(info.protocolVersion().p2p())
                        .setBlock(info.protocolVersion().block()).setApp(info.protocolVersion().app()))
                .setDefaultNodeId(info.id().hex())
                .setListenAddr(info.listenAddr())
                .setNetwork(info.network())
                .setVersion(info.version())
                .setChannels(ByteString.copyFrom(info.channels()))
                .setMoniker(info.moniker())
                .setOther(DefaultNodeInfoOther.newBuilder().setTxIndex(info.txIndex())
                        .setRpcAddress(info.rpcAddress()))
                .build();
    }

    /**
     * Reads the protobuf form. Only the id is checked here (it must be a valid id);
     * {@link NodeInfo#validate()} checks the rest.
     *
     * @throws NodeInfoException if the id is malformed
     */
    public static NodeInfo fromProto(DefaultNodeInfo proto) {
        NodeId id;
        try {
            id = NodeId.parse(proto.getDefaultNodeId());
        } catch (IllegalArgumentException e) {
            throw new NodeInfoException("invalid node id: " + e.getMessage());
        }
        ProtocolVersion v = proto.getProtocolVersion();
        return new NodeInfo(new NodeInfo.ProtocolVersion(v.getP2P(), v.getBlock(), v.getApp()), id,
                proto.getListenAddr(), proto.getNetwork(), proto.getVersion(), proto.getChannels().toByteArray(),
                proto.getMoniker(), proto.getOther().getTxIndex(), proto.getOther().getRpcAddress());
    }
}
