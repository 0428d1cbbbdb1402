package io.p2p4j.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * One direction of a SecretConnection: ChaCha20-Poly1305 (the JDK's) over fixed-size frames,
 * with a 96-bit nonce of four zero bytes and a 64-bit little-endian counter that starts at 0 and
 * grows by one per frame. A counter is never used twice: the last usable one is 2^64-2 (as in
 * CometBFT), after which every call throws {@link NonceOverflowException}. Not thread-safe.
 */
public final class FrameCipher {
    /** Data bytes a frame can carry. */
    public static final int DATA_MAX = 1024;
    /** A plaintext frame: 4-byte little-endian length, then 1024 bytes of data and padding. */
    public static final int PLAIN_SIZE = 4 + DATA_MAX;
    /** A sealed frame on the wire: the plaintext frame plus the 16-byte tag. */
    public static final int SEALED_SIZE = PLAIN_SIZE + 16;

    /**
     * True when the JDK's own ChaCha20-Poly1305 is used: where its Poly1305 is intrinsified (it
     * needs AVX-512 on x86), or when {@code -Dp2p4j.aead=jdk} asks for it. Elsewhere the JDK's
     * ChaCha20 (intrinsified with AVX2 too) is paired with {@link Poly1305}, which is several
     * times faster than the JDK's generic Poly1305 code; the frames are the same, byte for byte.
     */
    static final boolean JDK_AEAD = "jdk".equals(System.getProperty("p2p4j.aead"))
            || (!"split".equals(System.getProperty("p2p4j.aead")) && poly1305Intrinsified());

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    private final boolean jdkAead;
    private final byte[] nonce = new byte[12];
    private long counter;

    /**
     * Working space of the ChaCha20 + Poly1305 engine, one per thread: nothing in it outlives a
     * call, so the many ciphers of an event loop's connections share it (an idle peer then holds
     * no frame-sized buffers).
     */
    private static final class Scratch {
        // [64 zero bytes, for keystream block 0][frame]; the zeros are never written
        final byte[] streamIn = new byte[64 + PLAIN_SIZE];
        final byte[] streamOut = new byte[64 + PLAIN_SIZE];
        final byte[] tag = new byte[16];
        // the ciphertext's last partial block, zero padding, then the two lengths, which never change
        final byte[] lastBlocks = new byte[32];
        final Poly1305 poly = new Poly1305();

        Scratch() {
            for (int i = 0; i < 8; i++) {
                lastBlocks[24 + i] = (byte) ((long) PLAIN_SIZE >>> (8 * i)); // no associated data
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private FrameCipher(byte[] key, int mode, long firstCounter) {
        this(key, mode, firstCounter, JDK_AEAD);
    }

    /** With a chosen engine: for the tests that check both produce the same frames. */
    FrameCipher(byte[] key, int mode, long firstCounter, boolean jdkAead) {
        this.jdkAead = jdkAead;
        try {
            this.cipher = Cipher.getInstance(jdkAead ? "ChaCha20-Poly1305" : "ChaCha20");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20", e);
        }
        this.key = new SecretKeySpec(key, "ChaCha20");
        this.mode = mode;
        this.counter = firstCounter;
    }

    /**
     * Whether the JDK's Poly1305 runs as an intrinsic here. The VM flag says so directly, but a
     * diagnostic flag can only be read when diagnostic options are unlocked; otherwise, on x86 the
     * intrinsic needs AVX-512 IFMA (or AVX-IFMA), which Linux lists in /proc/cpuinfo. Elsewhere,
     * or when nothing can be read, the JDK is trusted.
     */
    static boolean poly1305Intrinsified() {
        try {
            var bean = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            return Boolean.parseBoolean(bean.getVMOption("UsePoly1305Intrinsics").getValue());
        } catch (RuntimeException | LinkageError e) {
            // locked diagnostic flag, or not HotSpot
        }
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return true;
        }
        try {
            String flags = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo"));
            return flags.contains(" avx512ifma") || flags.contains(" avx_ifma");
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
    }

    /** A sealing (sending) direction with this 32-byte key, counter from 0. */
    public static FrameCipher sealing(byte[] key) {
        return new FrameCipher(key, Cipher.ENCRYPT_MODE, 0);
    }

    /** An opening (receiving) direction with this 32-byte key, counter from 0. */
    public static FrameCipher opening(byte[] key) {
        return new FrameCipher(key, Cipher.DECRYPT_MODE, 0);
    }

    /**
     * A direction whose counter starts at {@code firstCounter} (read as unsigned), to test what
     * happens near the end of the counter space. Not for production use.
     */
    public static FrameCipher startingAt(byte[] key, boolean sealing, long firstCounter) {
        return new FrameCipher(key, sealing ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, firstCounter);
    }

    /** The counter the next frame will use (unsigned). */
    public long nextCounter() {
        return counter;
    }

    /**
     * Seals the {@link #PLAIN_SIZE} bytes at {@code in[inOff]} into {@link #SEALED_SIZE} bytes at
     * {@code out[outOff]}.
     */
    public void seal(byte[] in, int inOff, byte[] out, int outOff) throws NonceOverflowException {
        init();
        try {
            if (jdkAead) {
                cipher.doFinal(in, inOff, PLAIN_SIZE, out, outOff);
                return;
            }
            Scratch scratch = SCRATCH.get();
            xorKeystream(scratch, in, inOff);
            System.arraycopy(scratch.streamOut, 64, out, outOff, PLAIN_SIZE);
            mac(scratch, scratch.streamOut, 64, out, outOff + PLAIN_SIZE);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing a frame failed", e);
        }
    }

    /**
     * Runs ChaCha20 from block 0 over 64 zero bytes and then the {@link #PLAIN_SIZE} bytes at
     * {@code in[inOff]}: streamOut then holds the one-time Poly1305 key (block 0) and, from byte 64,
     * the frame encrypted or decrypted (the same XOR). streamIn's first 64 bytes stay zero.
     */
    private void xorKeystream(Scratch scratch, byte[] in, int inOff) throws GeneralSecurityException {
        System.arraycopy(in, inOff, scratch.streamIn, 64, PLAIN_SIZE);
        cipher.doFinal(scratch.streamIn, 0, scratch.streamIn.length, scratch.streamOut, 0);
    }

    /**
     * The RFC 8439 tag of a ciphertext of {@link #PLAIN_SIZE} bytes, no associated data, keyed by
     * the first 32 bytes of the scratch's streamOut.
     */
    private static void mac(Scratch scratch, byte[] ciphertext, int off, byte[] tagOut, int tagOff) {
        Poly1305 poly = scratch.poly;
        poly.init(scratch.streamOut, 0);
        int full = PLAIN_SIZE & ~15;
        poly.blocks(ciphertext, off, full);
        System.arraycopy(ciphertext, off + full, scratch.lastBlocks, 0, PLAIN_SIZE - full);
        poly.blocks(scratch.lastBlocks, 0, 32);
        poly.finish(tagOut, tagOff);
    }

    /**
     * Opens the {@link #SEALED_SIZE} bytes at {@code in[inOff]} into {@link #PLAIN_SIZE} bytes at
     * {@code out[outOff]}.
     *
     * @throws AEADBadTagException if the frame does not authenticate (tampered, replayed, reordered)
     */
    public void open(byte[] in, int inOff, byte[] out, int outOff) throws AEADBadTagException, NonceOverflowException {
        init();
        try {
            if (jdkAead) {
                cipher.doFinal(in, inOff, SEALED_SIZE, out, outOff);
                return;
            }
            Scratch scratch = SCRATCH.get();
            xorKeystream(scratch, in, inOff); // decrypted into streamOut, released only if the tag checks
            mac(scratch, in, inOff, scratch.tag, 0);
            int diff = 0; // constant time
            for (int i = 0; i < 16; i++) {
                diff |= scratch.tag[i] ^ in[inOff + PLAIN_SIZE + i];
            }
            if (diff != 0) {
                throw new AEADBadTagException("Tag mismatch");
            }
            System.arraycopy(scratch.streamOut, 64, out, outOff, PLAIN_SIZE);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("opening a frame failed", e);
        }
    }

    private void init() throws NonceOverflowException {
        if (counter == -1L) {
            throw new NonceOverflowException();
        }
        long c = counter;
        for (int i = 4; i < 12; i++) {
            nonce[i] = (byte) c;
            c >>>= 8;
        }
        counter++;
        try {
            if (jdkAead) {
                cipher.init(mode, key, new IvParameterSpec(nonce));
            } else {
                // plain ChaCha20 from block 0; encryption either way (decryption is the same XOR)
                cipher.init(Cipher.ENCRYPT_MODE, key, new javax.crypto.spec.ChaCha20ParameterSpec(nonce, 0));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20 refused a fresh nonce", e);
        }
    }

    /** The frame counter is exhausted; the connection must end rather than reuse a nonce. */
    public static final class NonceOverflowException extends GeneralSecurityException {
        private static final long serialVersionUID = 1L;

        NonceOverflowException() {
            super("nonce overflow: the frame counter is exhausted");
        }
    }
}
