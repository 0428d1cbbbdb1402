package io.p2p4j.conn;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.p2p4j.conn.MConnectionException.PacketTooLargeException;
import io.p2p4j.conn.MConnectionException.UndecodablePacketException;
import io.p2p4j.internal.Varint;
import io.p2p4j.proto.Packet;
import java.util.List;

/**
 * Splits the inbound byte stream into varint-delimited {@link Packet}s and decodes them into
 * {@link InboundPacket}s. The data of a packet message goes to a {@link MsgSink} while it is still
 * in the read buffer; a connection's sink reassembles it straight from there and has whole
 * messages passed on, so no packet's data is copied into an array of its own on the way.
 *
 * <p>The length prefix is checked against the maximum packet size before any of the packet is
 * buffered, so a peer cannot make us allocate more than one legal packet. A malformed prefix, an
 * oversized packet, bytes that do not parse, or a packet with no known type raise an
 * {@link MConnectionException}; the connection then ends. A prefix may arrive split across reads.
 */
final class PacketDecoder extends ByteToMessageDecoder {
    /** Takes the data of each packet message. */
    @FunctionalInterface
    interface MsgSink {
        /**
         * The data of a packet message on {@code channelId} (the raw int32 from the wire) is the
         * {@code length} bytes of {@code in} from {@code index}, readable during this call only.
         * Returns what to pass on, or null for nothing (a piece stored for later).
         */
        InboundPacket accept(int channelId, boolean eof, ByteBuf in, int index, int length) throws MConnectionException;
    }

    /** A sink that passes each packet's piece on as it came, in an array of its own: for tests and tools. */
    static final MsgSink PIECES = (channelId, eof, in, index, length) -> {
        byte[] data = new byte[length];
        in.getBytes(index, data);
        return new InboundPacket.Msg(channelId, eof, data);
    };

    private final int maxPacketSize;
    private final MsgSink sink;
    private final PacketMsgReader.Fields fields = new PacketMsgReader.Fields();
    private boolean failed;

    /** A decoder passing each packet message's piece on as it came ({@link #PIECES}). */
    PacketDecoder(int maxPacketSize) {
        this(maxPacketSize, PIECES);
    }

    PacketDecoder(int maxPacketSize, MsgSink sink) {
        this.maxPacketSize = maxPacketSize;
        this.sink = sink;
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
            InboundPacket packet;
            if (PacketMsgReader.read(in, packetStart, len, fields)) {
                packet = sink.accept(fields.channel, fields.eof, in, fields.dataIndex, fields.dataLength);
            } else {
                packet = parseGeneric(in, len);
            }
            in.readerIndex(packetStart + len);
            if (packet != null) {
                out.add(packet);
            }
        }
    }

    /**
     * The general path, through the generated classes: pings, pongs, and PacketMsgs with unusual
     * encodings (unknown fields, repeated fields) that the fast reader leaves alone.
     */
    private InboundPacket parseGeneric(ByteBuf in, int len) throws MConnectionException {
        Packet packet;
        try {
            packet = Packet.parseFrom(in.nioBuffer(in.readerIndex(), len));
        } catch (InvalidProtocolBufferException e) {
            throw new UndecodablePacketException("undecodable packet of " + len + " bytes: " + e.getMessage(), e);
        }
        return switch (packet.getSumCase()) {
            case PACKET_PING -> InboundPacket.PING;
            case PACKET_PONG -> InboundPacket.PONG;
            case PACKET_MSG -> {
                byte[] data = packet.getPacketMsg().getData().toByteArray();
                yield sink.accept(packet.getPacketMsg().getChannelId(), packet.getPacketMsg().getEof(),
                        Unpooled.wrappedBuffer(data), 0, data.length);
            }
            case SUM_NOT_SET -> throw new UndecodablePacketException(
                    "unknown packet type (" + len + "-byte packet with no known field)", null);
        };
    }
}
