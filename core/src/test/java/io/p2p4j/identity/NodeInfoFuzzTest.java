package io.p2p4j.identity;

import io.p2p4j.transport.NodeInfoProto;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.p2p4j.proto.DefaultNodeInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: a peer's NodeInfo bytes (an encoded {@code DefaultNodeInfo}) through decoding,
 * {@link io.p2p4j.transport.NodeInfoProto#fromProto}, {@link NodeInfo#validate()} and the compatibility check. Bytes that
 * are not protobuf are refused by the parser; everything else ends in a NodeInfo or a
 * {@link NodeInfoException}, nothing else. A valid NodeInfo survives encoding: it decodes to an
 * equal NodeInfo that is still valid, its encoding is a fixed point, and an input already in
 * CometBFT's canonical form (both nested messages present, no unknown fields) re-encodes to the
 * very same bytes.
 */
class NodeInfoFuzzTest {
    private static final NodeInfo OURS = NodeInfo.of(NodeKey.fromSeed(new byte[32]).id(), "tcp://127.0.0.1:26656",
            "testing", NodeInfo.DEFAULT_VERSION, new byte[] {0x00, 0x20, 0x21, 0x22, 0x30, 0x38, 0x40, 0x60, 0x61},
            "ours");

    @FuzzTest
    @Timeout(10)
    void decodeAndValidate(byte[] input) throws InvalidProtocolBufferException {
        DefaultNodeInfo proto;
        try {
            proto = DefaultNodeInfo.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return; // the handshake refuses it as undecodable
        }
        NodeInfo info;
        try {
            info = NodeInfoProto.fromProto(proto);
            info.validate();
        } catch (NodeInfoException e) {
            return; // refused with a reason
        }
        assertThatCode(() -> {
            try {
                OURS.checkCompatibleWith(info);
            } catch (NodeInfoException.Incompatible e) {
                // a valid NodeInfo may still be for another network or protocol
            }
        }).doesNotThrowAnyException();
        assertThat(info.netAddress().id()).isEqualTo(info.id());

        byte[] encoded = NodeInfoProto.toProto(info).toByteArray();
        NodeInfo decoded = NodeInfoProto.fromProto(DefaultNodeInfo.parseFrom(encoded));
        assertThat(decoded).isEqualTo(info);
        assertThatCode(decoded::validate).doesNotThrowAnyException();
        assertThat(NodeInfoProto.toProto(decoded).toByteArray()).isEqualTo(encoded);
        if (isCanonical(proto, input)) {
            assertThat(encoded).as("a canonical encoding re-encodes identically").isEqualTo(input);
        }
    }

    /**
     * True if the input is exactly how CometBFT (gogoproto) would write this NodeInfo. The id in
     * lower case too: an upper-case id is accepted and normalized, as CometBFT's hex decoder
     * accepts it (found by this target: crash-93da5192…, an id with one upper-case letter).
     */
    private static boolean isCanonical(DefaultNodeInfo proto, byte[] input) {
        String id = proto.getDefaultNodeId();
        return id.equals(id.toLowerCase(java.util.Locale.ROOT))
                && proto.hasProtocolVersion() && proto.hasOther() && proto.getUnknownFields().asMap().isEmpty()
                && proto.getProtocolVersion().getUnknownFields().asMap().isEmpty()
                && proto.getOther().getUnknownFields().asMap().isEmpty()
                && java.util.Arrays.equals(proto.toByteArray(), input);
    }
}
