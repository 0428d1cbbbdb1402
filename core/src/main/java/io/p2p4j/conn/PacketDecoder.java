package io.p2p4j.conn;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.p2p4j.conn.MConnectionException.PacketTooLargeException;
import io.p2p4j.conn.MConnectionException.UndecodablePacketException;
import io.p2p4j.internal.Varint;
import io.p2p4j.proto.Packet;
import java.util.List;

/**
 * Splits the inbound byte stream into varint-delimited {@link Packet}s and decodes them into
 * {@link InboundPacket}s.
 *
 * <p>The length prefix is checked against the maximum packet size before any of the packet is
 * buffered, so a peer cannot make us allocate more than one legal packet. A malformed prefix, an
 * oversized packet, bytes that do not parse, or a packet with no known type raise an
 * {@link MConnectionException}; the connection then ends. A prefix may arrive split across reads.
 */
final class PacketDecoder extends ByteToMessageDecoder {
    private final int maxPacketSize;
    private boolean failed;

    PacketDecoder(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws MConnectionException {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            decodePackets(in, out);
        } catch (MConnectionException e) {
            failed = true; // the connection is ending: read nothing more from this peer
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private void decodePackets(ByteBuf in, List<Object> out) throws MConnectionException {
        while (in.isReadable()) {
            int start = in.readerIndex();
            long length = Varint.read(in);
            if (length == Varint.TRUNCATED) {
                return; // the rest of the prefix (at most 10 bytes) has not arrived yet
            }
            if (length == Varint.MALFORMED) {
                throw new PacketTooLargeException("malformed packet length prefix: over 63 bits");
            }
            if (length > maxPacketSize) {
                throw new PacketTooLargeException("packet of " + length + " bytes over the maximum of " + maxPacketSize);
            }
            int len = (int) length;
            if (in.readableBytes() < len) {
                in.readerIndex(start); // the prefix again, once the rest has come
                return;
            }
            int packetStart = in.readerIndex();
            InboundPacket packet = PacketMsgReader.read(in, packetStart + len);
            if (packet == null) {
                in.readerIndex(packetStart);
                packet = parseGeneric(in, len);
            }
            in.readerIndex(packetStart + len);
            out.add(packet);
        }
    }

    /**
     * The general path, through the generated classes: pings, pongs, and PacketMsgs with unusual
     * encodings (unknown fields, repeated fields) that the fast reader leaves alone.
     */
    private static InboundPacket parseGeneric(ByteBuf in, int len) throws UndecodablePacketException {
        Packet packet;
        try {
            packet = Packet.parseFrom(in.nioBuffer(in.readerIndex(), len));
        } catch (InvalidProtocolBufferException e) {
            throw new UndecodablePacketException("undecodable packet of " + len + " bytes: " + e.getMessage(), e);
        }
        return switch (packet.getSumCase()) {
            case PACKET_PING -> InboundPacket.PING;
            case PACKET_PONG -> InboundPacket.PONG;
            case PACKET_MSG -> new InboundPacket.Msg(packet.getPacketMsg().getChannelId(),
                    packet.getPacketMsg().getEof(), packet.getPacketMsg().getData().toByteArray());
            case SUM_NOT_SET -> throw new UndecodablePacketException(
                    "unknown packet type (" + len + "-byte packet with no known field)", null);
        };
    }
}
