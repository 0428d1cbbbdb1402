package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.p2p4j.internal.Varint;

/**
 * Writes MConnection packets in CometBFT's encoding: each a varint-delimited protobuf
 * {@code Packet}. Encoding is done by hand (the fields are few and fixed) and produces exactly
 * the bytes protobuf would, which the wire-vector tests check; decoding uses the generated
 * classes ({@link PacketDecoder}).
 */
final class PacketCodec {
    /** A delimited {@code Packet{packet_ping{}}}. */
    static final byte[] PING = {0x02, 0x0a, 0x00};
    /** A delimited {@code Packet{packet_pong{}}}. */
    static final byte[] PONG = {0x02, 0x12, 0x00};

    private static final int TAG_PACKET_MSG = (3 << 3) | 2;
    private static final int TAG_CHANNEL_ID = (1 << 3);
    private static final int TAG_EOF = (2 << 3);
    private static final int TAG_DATA = (3 << 3) | 2;

    private PacketCodec() {}

    /**
     * Largest {@code Packet} (without its length prefix) a receiver with this payload size accepts:
     * the size of a final packet on channel 1 carrying a full payload, as CometBFT defines it
     * (1,034 for 1,024).
     */
    static int maxPacketSize(int maxPayload) {
        return packetSize(1, true, maxPayload);
    }

    /**
     * The payload that fits in one packet on this channel. Channels 0x80 and above need a
     * two-byte channel field, so they carry one byte less, which keeps every packet within what
     * the receiver accepts.
     */
    static int payloadLimit(int channelId, int maxPayload) {
        int limit = maxPayload;
        while (limit > 1 && packetSize(channelId, true, limit) > maxPacketSize(maxPayload)) {
            limit--;
        }
        return limit;
    }

    /** Encoded size of {@code Packet{PacketMsg{channelId, eof, data of length len}}}, prefix excluded. */
    static int packetSize(int channelId, boolean eof, int len) {
        int inner = msgSize(channelId, eof, len);
        return 1 + Varint.size(inner) + inner;
    }

    /** Encoded size with the length prefix. */
    static int delimitedSize(int channelId, boolean eof, int len) {
        int packet = packetSize(channelId, eof, len);
        return Varint.size(packet) + packet;
    }

    /**
     * Writes one delimited {@code Packet{PacketMsg}} with {@code len} bytes of {@code data}
     * starting at {@code offset}. Returns the number of bytes written.
     */
    static int writePacketMsg(ByteBuf out, int channelId, boolean eof, byte[] data, int offset, int len) {
        int start = out.writerIndex();
        int inner = msgSize(channelId, eof, len);
        int packet = 1 + Varint.size(inner) + inner;
        Varint.write(out, packet);
        out.writeByte(TAG_PACKET_MSG);
        Varint.write(out, inner);
        if (channelId != 0) {
            out.writeByte(TAG_CHANNEL_ID);
            Varint.write(out, channelId);
        }
        if (eof) {
            out.writeByte(TAG_EOF);
            out.writeByte(1);
        }
        if (len > 0) {
            out.writeByte(TAG_DATA);
            Varint.write(out, len);
            out.writeBytes(data, offset, len);
        }
        return out.writerIndex() - start;
    }

    private static int msgSize(int channelId, boolean eof, int len) {
        int size = 0;
        if (channelId != 0) {
            size += 1 + Varint.size(channelId);
        }
        if (eof) {
            size += 2;
        }
        if (len > 0) {
            size += 1 + Varint.size(len) + len;
        }
        return size;
    }
}
