package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.p2p4j.conn.MConnectionException.PacketTooLargeException;
import io.p2p4j.conn.MConnectionException.UndecodablePacketException;
import io.p2p4j.proto.Packet;
import io.p2p4j.testkit.Vectors;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Byte-exact checks of the packet encoding and decoding against protobuf-wire-vectors.json. */
class PacketCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final JsonNode VECTORS = Vectors.json("protobuf-wire-vectors.json");
    private final EmbeddedChannel decoder = new EmbeddedChannel(new PacketDecoder(1034));

    @AfterEach
    void finish() {
        decoder.finishAndReleaseAll();
    }

    private static String vector(String section, String name) {
        return Vectors.named(VECTORS.get(section), name).get("bytes_hex").asText();
    }

    private static String encode(int channel, boolean eof, byte[] data) {
        ByteBuf out = Unpooled.buffer();
        try {
            int written = PacketCodec.writePacketMsg(out, channel, eof, data, 0, data.length);
            assertThat(written).isEqualTo(out.readableBytes()).isEqualTo(PacketCodec.delimitedSize(channel, eof, data.length));
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    private InboundPacket decode(String hex) {
        decoder.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(hex)));
        return decoder.readInbound();
    }

    private InboundPacket.Msg decodeMsg(String hex) {
        return (InboundPacket.Msg) decode(hex);
    }

    @Test
    void pingAndPongMatchUpstreamVectors() {
        assertThat(HEX.formatHex(PacketCodec.PING)).isEqualTo("02" + vector("upstream", "Packet{packet_ping}"))
                .isEqualTo(vector("derived", "wire: delimited Packet{packet_ping}"));
        assertThat(HEX.formatHex(PacketCodec.PONG)).isEqualTo("02" + vector("upstream", "Packet{packet_pong}"))
                .isEqualTo(vector("derived", "wire: delimited Packet{packet_pong}"));
        assertThat(decode("020a00")).isInstanceOf(InboundPacket.Ping.class);
        assertThat(decode("021200")).isInstanceOf(InboundPacket.Pong.class);
    }

    @Test
    void packetMsgMatchesUpstreamVector() {
        String expected = vector("upstream", "Packet{packet_msg{channel_id=1");
        byte[] data = "data transmitted over the wire".getBytes(StandardCharsets.US_ASCII);
        String delimited = encode(1, false, data);
        assertThat(delimited.substring(2)).isEqualTo(expected);
        InboundPacket.Msg packet = decodeMsg(delimited);
        assertThat(packet.channelId()).isEqualTo(1);
        assertThat(packet.eof()).isFalse();
        assertThat(packet.data()).isEqualTo(data);
        // the generated classes agree with the hand-written encoder and decoder
        Packet generated = Packet.newBuilder().setPacketMsg(io.p2p4j.proto.PacketMsg.newBuilder()
                .setChannelId(1).setData(com.google.protobuf.ByteString.copyFrom(data))).build();
        assertThat(HEX.formatHex(generated.toByteArray())).isEqualTo(expected);
    }

    @Test
    void channelZeroOmitsTheChannelField() {
        String expected = vector("derived", "wire: delimited Packet{packet_msg{channel_id=0 (PEX)");
        assertThat(encode(0, true, HEX.parseHex("0a00"))).isEqualTo(expected);
        InboundPacket.Msg packet = decodeMsg(expected);
        assertThat(packet.channelId()).isZero();
        assertThat(packet.eof()).isTrue();
    }

    @Test
    void emptyMessageIsOneEofPacketWithoutData() {
        String expected = vector("derived", "wire: delimited Packet{packet_msg{channel_id=0x20, eof=true, data=<empty>");
        assertThat(encode(0x20, true, new byte[0])).isEqualTo(expected);
        assertThat(decodeMsg(expected).data()).isEmpty();
    }

    @Test
    void maximumPacketIs1034BytesAndDecodes() {
        assertThat(PacketCodec.maxPacketSize(1024)).isEqualTo(1034);
        String header = vector("derived", "max-size packet header");
        String delimited = encode(1, true, new byte[1024]);
        assertThat(delimited).startsWith("8a08" + header);
        assertThat(decodeMsg(delimited).data()).hasSize(1024);
    }

    @Test
    void twoThousandFiveHundredByteMessageSplitsAsTheVectorSays() {
        JsonNode split = Vectors.named(VECTORS.get("derived"), "split of a 2500-byte message");
        byte[] message = new byte[2500];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) (i * 7);
        }
        ChannelState channel = new ChannelState(io.p2p4j.conn.ChannelDescriptor.of((byte) 0x30, 1), 1024);
        assertThat(channel.queue.tryOffer(message)).isTrue();
        int offset = 0;
        for (JsonNode expected : split.get("packets")) {
            ByteBuf out = Unpooled.buffer();
            try {
                channel.writeNextPacket(out);
                int dataLen = expected.get("data_len").asInt();
                String prefix = expected.get("delimited_prefix_and_header_hex").asText();
                byte[] bytes = ByteBufUtil.getBytes(out);
                assertThat(HEX.formatHex(bytes)).startsWith(prefix);
                assertThat(bytes.length).isEqualTo(prefix.length() / 2 + dataLen);
                assertThat(java.util.Arrays.copyOfRange(bytes, prefix.length() / 2, bytes.length))
                        .isEqualTo(java.util.Arrays.copyOfRange(message, offset, offset + dataLen));
                offset += dataLen;
            } finally {
                out.release();
            }
        }
        assertThat(offset).isEqualTo(2500);
        assertThat(channel.hasPending()).isFalse();
    }

    @Test
    void highChannelsCarryOneByteLessSoEveryPacketFitsTheReceiverLimit() {
        JsonNode edge = Vectors.named(VECTORS.get("derived"), "edge: channel_id >= 0x80");
        assertThat(PacketCodec.packetSize(0x80, true, 1024)).isEqualTo(edge.get("encoded_len_with_1024_bytes_and_eof").asInt());
        assertThat(PacketCodec.payloadLimit(0x80, 1024)).isEqualTo(1023);
        assertThat(PacketCodec.packetSize(0xff, true, PacketCodec.payloadLimit(0xff, 1024))).isLessThanOrEqualTo(1034);
        assertThat(PacketCodec.payloadLimit(0x7f, 1024)).isEqualTo(1024);
    }

    @Test
    void splitLengthPrefixDecodesAcrossReads() {
        byte[] wire = HEX.parseHex(encode(1, true, new byte[300]));
        for (byte b : wire) {
            decoder.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        InboundPacket.Msg packet = decoder.readInbound();
        assertThat(packet.data()).hasSize(300);
    }

    @Test
    void oversizedPrefixIsRefusedWithBothSizes() {
        assertThatThrownBy(() -> decode("c0843d"))
                .isInstanceOf(DecoderException.class)
                .cause().isInstanceOf(PacketTooLargeException.class)
                .hasMessage("packet of 1000000 bytes over the maximum of 1034");
    }

    @Test
    void zeroLengthPacketIsAnUnknownPacketType() {
        assertThatThrownBy(() -> decode("00"))
                .cause().isInstanceOf(UndecodablePacketException.class)
                .hasMessageContaining("unknown packet type");
    }

    @Test
    void unusualButValidEncodingsDecodeTheSame() {
        // eof before channel_id
        InboundPacket.Msg reordered = decodeMsg("091a071001080" + "51a0161");
        assertThat(reordered.channelId()).isEqualTo(5);
        assertThat(reordered.eof()).isTrue();
        assertThat(reordered.data()).containsExactly('a');
        // an unknown field inside PacketMsg: skipped, as protobuf does
        InboundPacket.Msg withUnknown = decodeMsg("0b1a0908051001200" + "11a0161");
        assertThat(withUnknown.channelId()).isEqualTo(5);
        assertThat(withUnknown.eof()).isTrue();
        assertThat(withUnknown.data()).containsExactly('a');
    }
}
