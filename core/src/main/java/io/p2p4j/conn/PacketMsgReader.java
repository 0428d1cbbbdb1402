package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.p2p4j.internal.Varint;

/**
 * The fast path of packet decoding: reads a {@code Packet{PacketMsg{...}}} encoded the usual
 * way (fields 1 to 3 with their proper wire types, no others) straight from the buffer, copying
 * the data once. Anything else is left to the generated parser by returning null, so the
 * protobuf semantics stay those of protobuf-java.
 */
final class PacketMsgReader {
    private static final int TAG_PACKET_MSG = (3 << 3) | 2;

    private PacketMsgReader() {}

    /**
     * Reads the packet that runs from the reader index of {@code in} to {@code end}, or returns
     * null to fall back (the reader index is then anywhere within the packet).
     */
    static InboundPacket.Msg read(ByteBuf in, int end) {
        if (end - in.readerIndex() < 2 || in.readUnsignedByte() != TAG_PACKET_MSG) {
            return null;
        }
        long innerLen = Varint.read(in, end);
        if (innerLen != end - in.readerIndex()) {
            return null; // trailing fields after the message, a length that does not fit, or no length
        }
        int channel = 0;
        boolean eof = false;
        int dataStart = -1;
        int dataLen = 0;
        boolean seenChannel = false;
        boolean seenEof = false;
        while (in.readerIndex() < end) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 0x08 -> { // channel_id, varint, int32 semantics
                    long value = Varint.read(in, end);
                    if (seenChannel || value < 0) {
                        return null; // repeated, cut short, or negative (ten bytes): for protobuf
                    }
                    seenChannel = true;
                    channel = (int) value;
                }
                case 0x10 -> { // eof, a one-byte bool
                    if (seenEof || in.readerIndex() >= end) {
                        return null;
                    }
                    seenEof = true;
                    int b = in.readUnsignedByte();
                    if (b > 1) {
                        return null;
                    }
                    eof = b == 1;
                }
                case 0x1a -> { // data
                    long n = Varint.read(in, end);
                    if (dataStart >= 0 || n < 0 || n > end - in.readerIndex()) {
                        return null;
                    }
                    dataStart = in.readerIndex();
                    dataLen = (int) n;
                    in.skipBytes(dataLen);
                }
                default -> {
                    return null;
                }
            }
        }
        byte[] data = new byte[dataLen];
        if (dataLen > 0) {
            in.getBytes(dataStart, data);
        }
        return new InboundPacket.Msg(channel, eof, data);
    }
}
