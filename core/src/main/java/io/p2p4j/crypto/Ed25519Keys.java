package io.p2p4j.crypto;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Ed25519 (RFC 8032) verification and public-key checks, from Bouncy Castle. */
public final class Ed25519Keys {
    private Ed25519Keys() {}

    /**
     * True if the 32 bytes are a valid Ed25519 point of full order: the small-order encodings
     * (the identity among them, which verifies forged signatures) are refused as identities.
     */
    public static boolean isAcceptableIdentity(byte[] publicKey) {
        return publicKey.length == Ed25519.PUBLIC_KEY_SIZE && Ed25519.validatePublicKeyFull(publicKey, 0);
    }

    /** Verifies a 64-byte signature over {@code message}. */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        return publicKey.length == Ed25519.PUBLIC_KEY_SIZE && signature.length == Ed25519.SIGNATURE_SIZE
                && Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length);
    }
}
