package io.p2p4j.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The Poly1305 one-time authenticator (RFC 8439 §2.5), for machines where the JDK's Poly1305 is
 * not intrinsified (its generic big-number code then costs most of a frame).
 *
 * <p>The accumulator is kept in two 64-bit words and a few bits above them ({@code h0 + h1·2^64 +
 * h2·2^128}), and each block costs four 64×64→128-bit products ({@link Math#unsignedMultiplyHigh}
 * is an intrinsic) instead of the 25 products of 26-bit limbs. This works because clamping
 * leaves {@code r1} a multiple of 4: the part of {@code h·r} at 2^128 and above folds back into
 * the low words as multiples of {@code s1 = 5·r1/4} (2^130 ≡ 5 mod p) with nothing lost.
 * Checked against RFC 8439's vectors, a BigInteger model of the definition, and frame by frame
 * against the JDK's ChaCha20-Poly1305. Not thread-safe; reusable through {@link #init}.
 */
final class Poly1305 {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private long r0, r1, s1;
    private long pad0, pad1;
    private long h0, h1, h2;

    /** Starts a MAC with this 32-byte one-time key (at {@code off}). */
    void init(byte[] key, int off) {
        r0 = (long) LONG_LE.get(key, off) & 0x0ffffffc0fffffffL;
        r1 = (long) LONG_LE.get(key, off + 8) & 0x0ffffffc0ffffffcL;
        s1 = r1 + (r1 >>> 2);
        pad0 = (long) LONG_LE.get(key, off + 16);
        pad1 = (long) LONG_LE.get(key, off + 24);
        h0 = h1 = h2 = 0;
    }

    /** Absorbs a last block of fewer than 16 bytes (padded with 0x01 and zeros, as RFC 8439 says). */
    void partialBlock(byte[] m, int off, int len) {
        byte[] block = new byte[16];
        System.arraycopy(m, off, block, 0, len);
        block[len] = 1;
        absorb(block, 0, 16, 0);
    }

    /** Absorbs {@code len} bytes (a multiple of 16) as full blocks. */
    void blocks(byte[] m, int off, int len) {
        absorb(m, off, len, 1);
    }

    /**
     * h = (h + block + hibit·2^128) · r, partly reduced: h0 and h1 are full words, h2 stays below
     * 8 between blocks.
     */
    private void absorb(byte[] m, int off, int len, long hibit) {
        long h0 = this.h0, h1 = this.h1, h2 = this.h2;
        final long r0 = this.r0, r1 = this.r1, s1 = this.s1;
        for (int end = off + len; off < end; off += 16) {
            long m0 = (long) LONG_LE.get(m, off);
            long m1 = (long) LONG_LE.get(m, off + 8);
            long t = h0 + m0;
            long c = Long.compareUnsigned(t, h0) < 0 ? 1 : 0;
            h0 = t;
            t = h1 + m1;
            long c2 = Long.compareUnsigned(t, h1) < 0 ? 1 : 0;
            h1 = t + c;
            c2 |= Long.compareUnsigned(h1, t) < 0 ? 1 : 0;
            h2 += c2 + hibit;

            // d0 = h0·r0 + h1·s1, d1 = h0·r1 + h1·r0 + h2·s1 (128-bit), d2 = h2·r0 (fits 64 bits)
            long d0lo = h0 * r0;
            long d0hi = Math.unsignedMultiplyHigh(h0, r0);
            long p = h1 * s1;
            d0hi += Math.unsignedMultiplyHigh(h1, s1);
            d0lo += p;
            d0hi += Long.compareUnsigned(d0lo, p) < 0 ? 1 : 0;

            long d1lo = h0 * r1;
            long d1hi = Math.unsignedMultiplyHigh(h0, r1);
            p = h1 * r0;
            d1hi += Math.unsignedMultiplyHigh(h1, r0);
            d1lo += p;
            d1hi += Long.compareUnsigned(d1lo, p) < 0 ? 1 : 0;
            p = h2 * s1; // h2 < 8 and s1 < 2^61: no high part
            d1lo += p;
            d1hi += Long.compareUnsigned(d1lo, p) < 0 ? 1 : 0;
            long d2 = h2 * r0;

            h0 = d0lo;
            d1lo += d0hi;
            d1hi += Long.compareUnsigned(d1lo, d0hi) < 0 ? 1 : 0;
            h1 = d1lo;
            d2 += d1hi;

            // fold the bits at 2^130 and above back in as ×5
            c = (d2 >>> 2) + (d2 & ~3L);
            h2 = d2 & 3;
            h0 += c;
            c = Long.compareUnsigned(h0, c) < 0 ? 1 : 0;
            h1 += c;
            h2 += Long.compareUnsigned(h1, c) < 0 ? 1 : 0;
        }
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
    }

    /** Writes the 16-byte tag at {@code out[off]}. */
    void finish(byte[] out, int off) {
        // h may still be at or above p = 2^130 - 5 (it is below 2^131): take h - p when h + 5 reaches 2^130
        long g0 = h0 + 5;
        long c = Long.compareUnsigned(g0, 5) < 0 ? 1 : 0;
        long g1 = h1 + c;
        c = Long.compareUnsigned(g1, c) < 0 ? 1 : 0;
        long g2 = h2 + c;
        long useG = -(g2 >>> 2); // all ones or zero: no branch on secret data
        long f0 = (h0 & ~useG) | (g0 & useG);
        long f1 = (h1 & ~useG) | (g1 & useG);
        long t0 = f0 + pad0;
        c = Long.compareUnsigned(t0, pad0) < 0 ? 1 : 0;
        long t1 = f1 + pad1 + c;
        LONG_LE.set(out, off, t0);
        LONG_LE.set(out, off + 8, t1);
    }
}
