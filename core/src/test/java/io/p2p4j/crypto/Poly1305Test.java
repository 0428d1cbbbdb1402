package io.p2p4j.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Poly1305 against its definition: h = (h + block + 2^(8·len)) · r mod 2^130 − 5 per block, then
 * (h + s) mod 2^128, computed with BigInteger. Keys and messages favour the extremes (bytes 0x00
 * and 0xff, the largest r clamping allows) where carries and the final reduction are exercised.
 */
class Poly1305Test {
    private static final BigInteger P = BigInteger.ONE.shiftLeft(130).subtract(BigInteger.valueOf(5));

    @Test
    void rfc8439Vectors() {
        // RFC 8439 §2.5.2
        assertThat(tag("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
                "Cryptographic Forum Research Group".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .isEqualTo("a8061dc1305136c6c22b8baf0c0127a9");
        // RFC 8439 A.3 #5: r = 2, s = 0, message ff..ff (16 bytes): tag 03000..0
        assertThat(tag("0200000000000000000000000000000000000000000000000000000000000000",
                HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff")))
                .isEqualTo("03000000000000000000000000000000");
        // A.3 #6: r = 2, s = ff..ff, message 02 00..00: tag 03 00..00
        assertThat(tag("02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
                HexFormat.of().parseHex("02000000000000000000000000000000")))
                .isEqualTo("03000000000000000000000000000000");
        // A.3 #7: r = 1, message ff..ff f0..ff 11 00..00 (48 bytes): tag 05 00..00
        assertThat(tag("0100000000000000000000000000000000000000000000000000000000000000",
                HexFormat.of().parseHex("ffffffffffffffffffffffffffffffff"
                        + "f0ffffffffffffffffffffffffffffff" + "11000000000000000000000000000000")))
                .isEqualTo("05000000000000000000000000000000");
        // A.3 #10: r with a bit in its upper half (s1 in play), three blocks
        assertThat(tag("0100000000000000040000000000000000000000000000000000000000000000",
                HexFormat.of().parseHex("e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000")))
                .isEqualTo("14000000000000005500000000000000");
    }

    @Property(tries = 2000)
    void matchesTheDefinition(@ForAll("keys") byte[] key, @ForAll("messages") byte[] message) {
        assertThat(tag(key, message)).isEqualTo(reference(key, message));
    }

    @Provide
    Arbitrary<byte[]> keys() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(32),
                Arbitraries.of((byte) 0, (byte) -1).array(byte[].class).ofSize(32));
    }

    @Provide
    Arbitrary<byte[]> messages() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(200),
                Arbitraries.of((byte) 0, (byte) -1).array(byte[].class).ofMinSize(0).ofMaxSize(200),
                Arbitraries.integers().between(0, 1100).map(n -> {
                    byte[] ff = new byte[n];
                    Arrays.fill(ff, (byte) -1);
                    return ff;
                }));
    }

    private static String tag(String keyHex, byte[] message) {
        return tag(HexFormat.of().parseHex(keyHex), message);
    }

    private static String tag(byte[] key, byte[] message) {
        Poly1305 poly = new Poly1305();
        poly.init(key, 0);
        int full = message.length & ~15;
        poly.blocks(message, 0, full);
        if (full < message.length) {
            poly.partialBlock(message, full, message.length - full);
        }
        byte[] tag = new byte[16];
        poly.finish(tag, 0);
        return HexFormat.of().formatHex(tag);
    }

    private static String reference(byte[] key, byte[] message) {
        byte[] rBytes = Arrays.copyOfRange(key, 0, 16);
        for (int i : new int[] {3, 7, 11, 15}) {
            rBytes[i] &= 15;
        }
        for (int i : new int[] {4, 8, 12}) {
            rBytes[i] &= (byte) 252;
        }
        BigInteger r = littleEndian(rBytes);
        BigInteger s = littleEndian(Arrays.copyOfRange(key, 16, 32));
        BigInteger h = BigInteger.ZERO;
        for (int off = 0; off < message.length; off += 16) {
            int len = Math.min(16, message.length - off);
            BigInteger block = littleEndian(Arrays.copyOfRange(message, off, off + len)).setBit(8 * len);
            h = h.add(block).multiply(r).mod(P);
        }
        BigInteger t = h.add(s).mod(BigInteger.ONE.shiftLeft(128));
        byte[] out = new byte[16];
        byte[] be = t.toByteArray();
        for (int i = 0; i < 16 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return HexFormat.of().formatHex(out);
    }

    private static BigInteger littleEndian(byte[] b) {
        byte[] be = new byte[b.length + 1];
        for (int i = 0; i < b.length; i++) {
            be[be.length - 1 - i] = b[i];
        }
        return new BigInteger(be);
    }
}
