package io.p2p4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class VarintTest {
    private static final HexFormat HEX = HexFormat.of();

    /** What protobuf writes with {@code write}. */
    private static byte[] protobuf(Writing write) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        write.to(out);
        out.flush();
        return bytes.toByteArray();
    }

    private interface Writing {
        void to(CodedOutputStream out) throws IOException;
    }

    private static byte[] protobufUInt32(int value) throws IOException {
        return protobuf(out -> out.writeUInt32NoTag(value));
    }

    private static byte[] protobufUInt64(long value) throws IOException {
        return protobuf(out -> out.writeUInt64NoTag(value));
    }

    /** 0, the edges of every byte count, 2^31-1, and as unsigned 2^31 and 2^32-1. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455, 268_435_456,
            Integer.MAX_VALUE, Integer.MIN_VALUE, -1})
    void writesAndSizesExactlyAsProtobuf(int value) throws IOException {
        ByteBuf out = Unpooled.buffer();
        Varint.write(out, value);
        byte[] expected = protobufUInt32(value);
        assertThat(ByteBufUtil.getBytes(out)).as("bytes of %s", Integer.toUnsignedString(value)).isEqualTo(expected);
        assertThat(Varint.size(value)).isEqualTo(CodedOutputStream.computeUInt32SizeNoTag(value)).isEqualTo(expected.length);
        assertThat(Varint.read(out)).isEqualTo(Integer.toUnsignedLong(value));
        assertThat(out.isReadable()).isFalse();
    }

    @Test
    void writesTheBoundariesAsExpected() {
        assertThat(hex(0)).isEqualTo("00");
        assertThat(hex(127)).isEqualTo("7f");
        assertThat(hex(128)).isEqualTo("8001");
        assertThat(hex(-1)).as("2^32-1").isEqualTo("ffffffff0f");
    }

    private static String hex(int value) {
        ByteBuf out = Unpooled.buffer();
        Varint.write(out, value);
        return ByteBufUtil.hexDump(out);
    }

    /** Up to 2^63-1, in every byte count from one to nine. */
    @ParameterizedTest
    @ValueSource(longs = {0, 127, 128, 4_294_967_295L, 4_294_967_296L, (1L << 56) - 1, 1L << 56, Long.MAX_VALUE})
    void readsWhatProtobufWrites(long value) throws IOException {
        byte[] encoded = protobufUInt64(value);
        ByteBuf in = Unpooled.wrappedBuffer(encoded);
        assertThat(Varint.read(in)).isEqualTo(value);
        assertThat(in.readerIndex()).isEqualTo(encoded.length);
    }

    @Test
    void aVarintCutShortIsTruncatedAndLeavesTheReaderIndex() throws IOException {
        byte[] encoded = protobufUInt64(Long.MAX_VALUE); // nine bytes
        for (int available = 0; available < encoded.length; available++) {
            ByteBuf in = Unpooled.wrappedBuffer(encoded, 0, available);
            assertThat(Varint.read(in)).as("%d of %d bytes", available, encoded.length).isEqualTo(Varint.TRUNCATED);
            assertThat(in.readerIndex()).isZero();
        }
        // nine continuation bytes, the tenth not here yet
        ByteBuf nine = Unpooled.wrappedBuffer(HEX.parseHex("808080808080808080"));
        assertThat(Varint.read(nine)).isEqualTo(Varint.TRUNCATED);
        assertThat(nine.readerIndex()).isZero();
    }

    @Test
    void readingStopsAtTheEndGivenAndStartsAtTheReaderIndex() {
        ByteBuf in = Unpooled.wrappedBuffer(HEX.parseHex("ff" + "ac02" + "05"));
        in.readerIndex(1);
        assertThat(Varint.read(in, 2)).as("only the first byte of 300 before the end").isEqualTo(Varint.TRUNCATED);
        assertThat(in.readerIndex()).isEqualTo(1);
        assertThat(Varint.read(in, 3)).isEqualTo(300);
        assertThat(in.readerIndex()).isEqualTo(3);
        assertThat(Varint.read(in, 4)).isEqualTo(5);
    }

    @Test
    void overlongEncodingsAreReadAsProtobufReadsThem() {
        ByteBuf twoBytesOfZero = Unpooled.wrappedBuffer(HEX.parseHex("8000"));
        assertThat(Varint.read(twoBytesOfZero)).isZero();
        assertThat(twoBytesOfZero.readerIndex()).isEqualTo(2);
        // ten bytes whose tenth is 0: still under 2^63
        ByteBuf ten = Unpooled.wrappedBuffer(HEX.parseHex("ffffffffffffffffff00"));
        assertThat(Varint.read(ten)).isEqualTo(Long.MAX_VALUE);
        assertThat(ten.readerIndex()).isEqualTo(Varint.MAX_BYTES);
    }

    @Test
    void sixtyFourBitsAndMoreThanTenBytesAreMalformed() throws IOException {
        // 2^63 and -1 as protobuf writes an int64: a tenth byte of 1
        ByteBuf topBit = Unpooled.wrappedBuffer(protobufUInt64(Long.MIN_VALUE));
        assertThat(Varint.read(topBit)).isEqualTo(Varint.MALFORMED);
        assertThat(topBit.readerIndex()).isZero();
        assertThat(Varint.read(Unpooled.wrappedBuffer(protobufUInt64(-1)))).isEqualTo(Varint.MALFORMED);
        assertThat(Varint.read(Unpooled.wrappedBuffer(HEX.parseHex("ffffffffffffffffff01")))).isEqualTo(Varint.MALFORMED);
        // eleven bytes: refused at the tenth, without waiting for the rest
        assertThat(Varint.read(Unpooled.wrappedBuffer(HEX.parseHex("ffffffffffffffffffff")))).isEqualTo(Varint.MALFORMED);
        assertThat(Varint.read(Unpooled.wrappedBuffer(HEX.parseHex("80808080808080808080")))).isEqualTo(Varint.MALFORMED);
        assertThat(Varint.read(Unpooled.wrappedBuffer(HEX.parseHex("8080808080808080808001")))).isEqualTo(Varint.MALFORMED);
    }
}
