package io.p2p4j.crypto;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Ed25519 (RFC 8032) verification and public-key checks, from Bouncy Castle. */
public final class Ed25519Keys {
    private Ed25519Keys() {}

    /**
     * True if the 32 bytes decode to an Ed25519 point that is not of small order: the small-order
     * encodings (the identity among them, which verifies forged signatures) are refused as
     * identities. Like Go's ed25519, a key with a small-order component added to a prime-order
     * point is accepted; proving full order would cost as much again as verifying the signature.
     */
    public static boolean isAcceptableIdentity(byte[] publicKey) {
        return acceptableIdentity(publicKey) != null;
    }

    /**
     * The key decoded, if {@link #isAcceptableIdentity} accepts it; else null. Verifying with it
     * spares decoding the key a second time (a square root in the field), which
     * {@link #verify(byte[], byte[], byte[])} does.
     */
    public static Identity acceptableIdentity(byte[] publicKey) {
        if (publicKey.length != Ed25519.PUBLIC_KEY_SIZE) {
            return null;
        }
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyPartialExport(publicKey, 0);
        return point == null ? null : new Identity(point);
    }

    /** An Ed25519 public key that {@link #isAcceptableIdentity} accepts, decoded. Immutable. */
    public static final class Identity {
        private final Ed25519.PublicPoint point;

        private Identity(Ed25519.PublicPoint point) {
            this.point = point;
        }

        /** True if the 64-byte {@code signature} over {@code message} verifies for this key. */
        public boolean verifies(byte[] message, byte[] signature) {
            return signature.length == Ed25519.SIGNATURE_SIZE
                    && Ed25519.verify(signature, 0, point, message, 0, message.length);
        }
    }

    /** Verifies a 64-byte signature over {@code message}. */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        return publicKey.length == Ed25519.PUBLIC_KEY_SIZE && signature.length == Ed25519.SIGNATURE_SIZE
                && Ed25519.verify(signature, 0, publicKey, 0, message, 0, message.length);
    }
}
