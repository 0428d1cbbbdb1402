package io.p2p4j.identity;

import io.p2p4j.transport.NodeInfoProto;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.p2p4j.proto.DefaultNodeInfo;
import io.p2p4j.testkit.Vectors;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** NodeInfo validation, compatibility and encoding against the CometBFT vectors. */
class NodeInfoTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final NodeId ID = new NodeId("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");

    private static NodeInfo base() {
        return new NodeInfo(new NodeInfo.ProtocolVersion(8, 11, 0), ID, "127.0.0.1:26656", "testing",
                "1.2.3-rc0-deadbeef", HEX.parseHex("000102030405060708090a0b0c0d0e0f"), "testing", "on",
                "127.0.0.1:26657");
    }

    private static NodeInfo with(NodeInfo n, String field, String value) {
        return switch (field) {
            case "channels_hex" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    HEX.parseHex(value), n.moniker(), n.txIndex(), n.rpcAddress());
            case "listen_addr" -> new NodeInfo(n.protocolVersion(), n.id(), value, n.network(), n.version(),
                    n.channels(), n.moniker(), n.txIndex(), n.rpcAddress());
            case "version" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), value,
                    n.channels(), n.moniker(), n.txIndex(), n.rpcAddress());
            case "moniker" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    n.channels(), value, n.txIndex(), n.rpcAddress());
            case "other.tx_index" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(), n.version(),
                    n.channels(), n.moniker(), value, n.rpcAddress());
            case "other.rpc_address" -> new NodeInfo(n.protocolVersion(), n.id(), n.listenAddr(), n.network(),
                    n.version(), n.channels(), n.moniker(), n.txIndex(), value);
            default -> throw new IllegalArgumentException(field);
        };
    }

    @Test
    void validateFollowsTheUpstreamCases() {
        JsonNode vectors = Vectors.json("nodeinfo-validation-vectors.json");
        assertThatCode(() -> base().validate()).doesNotThrowAnyException();
        for (JsonNode c : vectors.get("validate_cases")) {
            NodeInfo info = c.has("whole_info_empty")
                    ? new NodeInfo(new NodeInfo.ProtocolVersion(0, 0, 0), ID, "", "", "", null, "", "", "")
                    : with(base(), c.get("field").asText(), c.get("value").asText());
            if (c.get("expect_error").asBoolean()) {
                assertThatThrownBy(info::validate).as(c.get("name").asText()).isInstanceOf(NodeInfoException.class);
            } else {
                assertThatCode(info::validate).as(c.get("name").asText()).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void compatibilityFollowsTheUpstreamCases() {
        JsonNode vectors = Vectors.json("nodeinfo-validation-vectors.json");
        NodeInfo baseOne = with(base(), "channels_hex", "01");
        for (JsonNode c : vectors.get("compatible_with_cases").get("cases")) {
            NodeInfo ours = c.has("ours_channels_hex") ? with(baseOne, "channels_hex", c.get("ours_channels_hex").asText()) : baseOne;
            NodeInfo theirs = c.has("theirs_channels_hex") ? with(baseOne, "channels_hex", c.get("theirs_channels_hex").asText()) : baseOne;
            NodeInfo.ProtocolVersion v = theirs.protocolVersion();
            theirs = new NodeInfo(new NodeInfo.ProtocolVersion(c.path("theirs_p2p").asLong(v.p2p()),
                    c.path("theirs_block").asLong(v.block()), c.path("theirs_app").asLong(v.app())),
                    new NodeId("0123456789012345678901234567890123456789"), theirs.listenAddr(),
                    c.path("theirs_network").asText(theirs.network()), theirs.version(), theirs.channels(),
                    theirs.moniker(), theirs.txIndex(), theirs.rpcAddress());
            NodeInfo t = theirs;
            if (c.get("expect_error").asBoolean()) {
                assertThatThrownBy(() -> ours.checkCompatibleWith(t)).as(c.get("name").asText())
                        .isInstanceOf(NodeInfoException.Incompatible.class);
            } else {
                assertThatCode(() -> ours.checkCompatibleWith(t)).as(c.get("name").asText()).doesNotThrowAnyException();
            }
        }
        assertThatThrownBy(() -> baseOne.checkCompatibleWith(with(baseOne, "channels_hex", "02")))
                .hasMessage("no common channel: ours 01, theirs 02");
    }

    @Test
    void encodingMatchesTheWireVectors() throws Exception {
        JsonNode derived = Vectors.json("protobuf-wire-vectors.json").get("derived");
        String minimal = Vectors.named(derived, "DefaultNodeInfo minimal").get("bytes_hex").asText();
        NodeInfo decoded = NodeInfoProto.fromProto(DefaultNodeInfo.parseFrom(HEX.parseHex(minimal)));
        assertThat(decoded.id().hex()).isEqualTo("24f6ed6acbfe1009c030d7ca567c33ca48309114");
        assertThat(decoded.channels()).containsExactly(0x00);
        assertThat(HEX.formatHex(NodeInfoProto.toProto(decoded).toByteArray())).isEqualTo(minimal);
        String full = Vectors.named(derived, "DefaultNodeInfo (what a default v0.38.25").get("bytes_hex").asText();
        byte[] fullBytes = HEX.parseHex(full);
        DefaultNodeInfo proto = DefaultNodeInfo.parseDelimitedFrom(new java.io.ByteArrayInputStream(fullBytes));
        NodeInfo node = NodeInfoProto.fromProto(proto);
        node.validate();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        NodeInfoProto.toProto(node).writeDelimitedTo(out);
        assertThat(HEX.formatHex(out.toByteArray())).isEqualTo(full);
    }
}
