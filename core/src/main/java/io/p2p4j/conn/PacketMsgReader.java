package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.p2p4j.internal.Varint;

/**
 * The fast path of packet decoding: reads a {@code Packet{PacketMsg{...}}} encoded the usual
 * way (fields 1 to 3 with their proper wire types, no others) straight from the buffer, copying
 * nothing: it finds where the data is, and the reassembly copies it from there. Anything else is
 * left to the generated parser by returning false, so the protobuf semantics stay those of
 * protobuf-java.
 */
final class PacketMsgReader {
    private static final int TAG_PACKET_MSG = (3 << 3) | 2;

    /** The fields of the packet last read; one per decoder, reused. */
    static final class Fields {
        int channel;
        boolean eof;
        /** Where the data starts in the buffer, and its length. */
        int dataIndex;
        int dataLength;
    }

    private PacketMsgReader() {}

    /**
     * Reads the packet of {@code len} bytes at {@code start} into {@code out}; returns false to
     * fall back to the generated parser. The reader index is left at {@code start} either way.
     */
    static boolean read(ByteBuf in, int start, int len, Fields out) {
        in.readerIndex(start);
        try {
            return readFields(in, start + len, out);
        } finally {
            in.readerIndex(start);
        }
    }

    private static boolean readFields(ByteBuf in, int end, Fields out) {
        if (end - in.readerIndex() < 2 || in.readUnsignedByte() != TAG_PACKET_MSG) {
            return false;
        }
        long innerLen = Varint.read(in, end);
        if (innerLen != end - in.readerIndex()) {
            return false; // trailing fields after the message, a length that does not fit, or no length
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
                        return false; // repeated, cut short, or negative (ten bytes): for protobuf
                    }
                    seenChannel = true;
                    channel = (int) value;
                }
                case 0x10 -> { // eof, a one-byte bool
                    if (seenEof || in.readerIndex() >= end) {
                        return false;
                    }
                    seenEof = true;
                    int b = in.readUnsignedByte();
                    if (b > 1) {
                        return false;
                    }
                    eof = b == 1;
                }
                case 0x1a -> { // data
                    long n = Varint.read(in, end);
                    if (dataStart >= 0 || n < 0 || n > end - in.readerIndex()) {
                        return false;
                    }
                    dataStart = in.readerIndex();
                    dataLen = (int) n;
                    in.skipBytes(dataLen);
                }
                default -> {
                    return false;
                }
            }
        }
        out.channel = channel;
        out.eof = eof;
        out.dataIndex = dataStart < 0 ? end : dataStart;
        out.dataLength = dataLen;
        return true;
    }
}
