package io.p2p4j.internal;

import io.netty.buffer.ByteBuf;

/**
 * Protobuf's base-128 varints, read from and written to Netty buffers without allocating: the
 * length prefixes of delimited messages (MConnection packets, the auth signature message, the
 * NodeInfo) and the fields that MConnection encodes by hand. Writing produces exactly the bytes
 * of protobuf's {@code CodedOutputStream.writeUInt32NoTag}. Not part of the public API.
 */
public final class Varint {
    /** The longest varint: ten bytes carry 64 bits. */
    public static final int MAX_BYTES = 10;
    /** What {@link #read} returns when the bytes end before the varint does. */
    public static final long TRUNCATED = -1;
    /**
     * What {@link #read} returns for a varint of 2<sup>63</sup> or more (a tenth byte other than
     * 0), or longer than {@link #MAX_BYTES}.
     */
    public static final long MALFORMED = -2;

    private Varint() {}

    /** The bytes that {@link #write} takes for {@code value}, read as unsigned: 1 to 5. */
    public static int size(int value) {
        // seven bits a byte, and one byte for 0
        return Math.max(1, (38 - Integer.numberOfLeadingZeros(value)) / 7);
    }

    /** Writes {@code value}, read as unsigned (a negative one takes five bytes), at the writer index. */
    public static void write(ByteBuf out, int value) {
        while ((value & ~0x7f) != 0) {
            out.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    /** {@link #read(ByteBuf, int)} up to the writer index. */
    public static long read(ByteBuf in) {
        return read(in, in.writerIndex());
    }

    /**
     * Reads the varint at the reader index of {@code in}, reading no byte at or past {@code end},
     * and moves the reader index past it. Returns its value, from 0 to 2<sup>63</sup>-1 (a longer
     * encoding than needed is accepted, as protobuf does), or, leaving the reader index where it
     * was, {@link #TRUNCATED} when the bytes before {@code end} stop inside it (more may come) or
     * {@link #MALFORMED}. Lengths and the other numbers read with it never reach 2<sup>63</sup>;
     * protobuf writes negative {@code int32} and {@code int64} values that way, which callers
     * that need them leave to protobuf.
     */
    public static long read(ByteBuf in, int end) {
        int index = in.readerIndex();
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7) { // nine bytes carry 63 bits
            if (index >= end) {
                return TRUNCATED;
            }
            byte b = in.getByte(index++);
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                in.readerIndex(index);
                return value;
            }
        }
        if (index >= end) {
            return TRUNCATED;
        }
        // a tenth byte of 0 adds nothing; 1 would set the sign bit, more would run past 64 bits
        if (in.getByte(index++) != 0) {
            return MALFORMED;
        }
        in.readerIndex(index);
        return value;
    }
}
