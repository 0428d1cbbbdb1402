package io.p2p4j.crypto;

import java.security.SecureRandom;
import org.bouncycastle.math.ec.rfc7748.X25519;

/** X25519 (RFC 7748) key pairs and agreement, from Bouncy Castle. */
public final class X25519Keys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private X25519Keys() {}

    /** A fresh 32-byte private scalar. */
    public static byte[] generatePrivate() {
        byte[] key = new byte[X25519.SCALAR_SIZE];
        X25519.generatePrivateKey(RANDOM, key);
        return key;
    }

    /** The public key of a private scalar (clamped as RFC 7748 says). */
    public static byte[] publicKey(byte[] privateKey) {
        byte[] pub = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(privateKey, 0, pub, 0);
        return pub;
    }

    /**
     * The shared secret of our private scalar and their public key.
     *
     * @throws LowOrderPointException if the result is all zeros (their key has small order)
     */
    public static byte[] agree(byte[] privateKey, byte[] theirPublic) throws LowOrderPointException {
        byte[] secret = new byte[X25519.POINT_SIZE];
        if (!X25519.calculateAgreement(privateKey, 0, theirPublic, 0, secret, 0)) {
            throw new LowOrderPointException();
        }
        return secret;
    }

    /** The other side's ephemeral key is a low-order point: the shared secret would be zero. */
    public static final class LowOrderPointException extends java.security.GeneralSecurityException {
        private static final long serialVersionUID = 1L;

        LowOrderPointException() {
            super("low-order point: the remote ephemeral key gives an all-zero shared secret");
        }
    }
}
