package io.p2p4j.crypto;

/**
 * The Poly1305 one-time authenticator (RFC 8439 §2.5) in 26-bit limbs, for machines where the
 * JDK's Poly1305 is not intrinsified (its generic big-number code then costs most of a frame).
 * Checked against RFC 8439's vector and, frame by frame, against the JDK's ChaCha20-Poly1305.
 * Not thread-safe; reusable through {@link #init}.
 */
final class Poly1305 {
    private static final long MASK = 0x3ffffff;

    private long r0, r1, r2, r3, r4;
    private long s1, s2, s3, s4;
    private long pad0, pad1, pad2, pad3;
    private long h0, h1, h2, h3, h4;

    /** Starts a MAC with this 32-byte one-time key (at {@code off}). */
    void init(byte[] key, int off) {
        r0 = le32(key, off) & 0x3ffffff;
        r1 = (le32(key, off + 3) >>> 2) & 0x3ffff03;
        r2 = (le32(key, off + 6) >>> 4) & 0x3ffc0ff;
        r3 = (le32(key, off + 9) >>> 6) & 0x3f03fff;
        r4 = (le32(key, off + 12) >>> 8) & 0x00fffff;
        s1 = r1 * 5;
        s2 = r2 * 5;
        s3 = r3 * 5;
        s4 = r4 * 5;
        pad0 = le32(key, off + 16);
        pad1 = le32(key, off + 20);
        pad2 = le32(key, off + 24);
        pad3 = le32(key, off + 28);
        h0 = h1 = h2 = h3 = h4 = 0;
    }

    /** The 2^128 bit every full 16-byte block carries, in the top limb. */
    private static final long FULL_BLOCK_BIT = 1L << 24;

    /** Absorbs a last block of fewer than 16 bytes (padded with 0x01 and zeros, as RFC 8439 says). */
    void partialBlock(byte[] m, int off, int len) {
        byte[] block = new byte[16];
        System.arraycopy(m, off, block, 0, len);
        block[len] = 1;
        absorb(block, 0, 16, 0);
    }

    /** Absorbs {@code len} bytes (a multiple of 16) as full blocks. */
    void blocks(byte[] m, int off, int len) {
        absorb(m, off, len, FULL_BLOCK_BIT);
    }

    private void absorb(byte[] m, int off, int len, long hibit) {
        long h0 = this.h0, h1 = this.h1, h2 = this.h2, h3 = this.h3, h4 = this.h4;
        final long r0 = this.r0, r1 = this.r1, r2 = this.r2, r3 = this.r3, r4 = this.r4;
        final long s1 = this.s1, s2 = this.s2, s3 = this.s3, s4 = this.s4;
        for (int end = off + len; off < end; off += 16) {
            long lo = (long) LONG_LE.get(m, off);
            long hi = (long) LONG_LE.get(m, off + 8);
            h0 += lo & MASK;
            h1 += (lo >>> 26) & MASK;
            h2 += ((lo >>> 52) | (hi << 12)) & MASK;
            h3 += (hi >>> 14) & MASK;
            h4 += (hi >>> 40) | hibit;

            long d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
            long d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
            long d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
            long d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
            long d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

            long c = d0 >>> 26;
            h0 = d0 & MASK;
            d1 += c;
            c = d1 >>> 26;
            h1 = d1 & MASK;
            d2 += c;
            c = d2 >>> 26;
            h2 = d2 & MASK;
            d3 += c;
            c = d3 >>> 26;
            h3 = d3 & MASK;
            d4 += c;
            c = d4 >>> 26;
            h4 = d4 & MASK;
            h0 += c * 5;
            c = h0 >>> 26;
            h0 &= MASK;
            h1 += c;
        }
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
        this.h3 = h3;
        this.h4 = h4;
    }

    /** Writes the 16-byte tag at {@code out[off]}. */
    void finish(byte[] out, int off) {
        long c = h1 >>> 26;
        h1 &= MASK;
        h2 += c;
        c = h2 >>> 26;
        h2 &= MASK;
        h3 += c;
        c = h3 >>> 26;
        h3 &= MASK;
        h4 += c;
        c = h4 >>> 26;
        h4 &= MASK;
        h0 += c * 5;
        c = h0 >>> 26;
        h0 &= MASK;
        h1 += c;

        long g0 = h0 + 5;
        c = g0 >>> 26;
        g0 &= MASK;
        long g1 = h1 + c;
        c = g1 >>> 26;
        g1 &= MASK;
        long g2 = h2 + c;
        c = g2 >>> 26;
        g2 &= MASK;
        long g3 = h3 + c;
        c = g3 >>> 26;
        g3 &= MASK;
        long g4 = h4 + c - (1L << 26);
        if (g4 >= 0) { // h >= p: use h - p
            h0 = g0;
            h1 = g1;
            h2 = g2;
            h3 = g3;
            h4 = g4;
        }
        long w0 = (h0 | (h1 << 26)) & 0xffffffffL;
        long w1 = ((h1 >>> 6) | (h2 << 20)) & 0xffffffffL;
        long w2 = ((h2 >>> 12) | (h3 << 14)) & 0xffffffffL;
        long w3 = ((h3 >>> 18) | (h4 << 8)) & 0xffffffffL;
        long f = w0 + pad0;
        put32(out, off, f);
        f = w1 + pad1 + (f >>> 32);
        put32(out, off + 4, f);
        f = w2 + pad2 + (f >>> 32);
        put32(out, off + 8, f);
        f = w3 + pad3 + (f >>> 32);
        put32(out, off + 12, f);
    }

    private static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle LONG_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static long le32(byte[] b, int off) {
        return ((int) INT_LE.get(b, off)) & 0xffffffffL;
    }

    private static void put32(byte[] b, int off, long v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
