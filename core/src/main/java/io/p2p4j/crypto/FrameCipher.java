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

    private final Cipher cipher;
    private final SecretKeySpec key;
    private final int mode;
    private final byte[] nonce = new byte[12];
    private long counter;

    private FrameCipher(byte[] key, int mode, long firstCounter) {
        try {
            this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20-Poly1305", e);
        }
        this.key = new SecretKeySpec(key, "ChaCha20");
        this.mode = mode;
        this.counter = firstCounter;
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
            cipher.doFinal(in, inOff, PLAIN_SIZE, out, outOff);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing a frame failed", e);
        }
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
            cipher.doFinal(in, inOff, SEALED_SIZE, out, outOff);
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
            cipher.init(mode, key, new IvParameterSpec(nonce));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 refused a fresh nonce", e);
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
