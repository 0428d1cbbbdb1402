package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;

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
     * fall back to the generated parser.
     */
    static boolean read(ByteBuf in, int start, int len, Fields out) {
        int end = start + len;
        int pos = start;
        if (len < 2 || in.getUnsignedByte(pos) != TAG_PACKET_MSG) {
            return false;
        }
        pos++;
        long innerLen = 0;
        int shift = 0;
        while (true) {
            if (pos >= end || shift > 28) {
                return false;
            }
            int b = in.getUnsignedByte(pos++);
            innerLen |= (long) (b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (pos + innerLen != end) {
            return false; // trailing fields after the message, or a length that does not fit
        }
        int channel = 0;
        boolean eof = false;
        int dataStart = -1;
        int dataLen = 0;
        boolean seenChannel = false;
        boolean seenEof = false;
        while (pos < end) {
            int tag = in.getUnsignedByte(pos++);
            switch (tag) {
                case 0x08 -> { // channel_id, varint, int32 semantics
                    if (seenChannel) {
                        return false;
                    }
                    seenChannel = true;
                    long value = 0;
                    int s = 0;
                    while (true) {
                        if (pos >= end || s > 63) {
                            return false;
                        }
                        int b = in.getUnsignedByte(pos++);
                        value |= (long) (b & 0x7f) << s;
                        s += 7;
                        if ((b & 0x80) == 0) {
                            break;
                        }
                    }
                    channel = (int) value;
                }
                case 0x10 -> { // eof, a one-byte bool
                    if (seenEof || pos >= end) {
                        return false;
                    }
                    seenEof = true;
                    int b = in.getUnsignedByte(pos++);
                    if (b > 1) {
                        return false;
                    }
                    eof = b == 1;
                }
                case 0x1a -> { // data
                    if (dataStart >= 0) {
                        return false;
                    }
                    long n = 0;
                    int s = 0;
                    while (true) {
                        if (pos >= end || s > 28) {
                            return false;
                        }
                        int b = in.getUnsignedByte(pos++);
                        n |= (long) (b & 0x7f) << s;
                        s += 7;
                        if ((b & 0x80) == 0) {
                            break;
                        }
                    }
                    if (pos + n > end) {
                        return false;
                    }
                    dataStart = pos;
                    dataLen = (int) n;
                    pos += dataLen;
                }
                default -> {
                    return false;
                }
            }
        }
        out.channel = channel;
        out.eof = eof;
        out.dataIndex = dataStart < 0 ? start : dataStart;
        out.dataLength = dataLen;
        return true;
    }
}
