package io.p2p4j.identity;

/**
 * A long-term Ed25519 identity that can sign: what the SecretConnection handshake needs from a
 * node key. Implementations keep the private key to themselves.
 */
public interface Ed25519Signer {

    /** The 32-byte Ed25519 public key. Returns a copy. */
    byte[] publicKey();

    /** Signs {@code message} (RFC 8032, deterministic) and returns the 64-byte signature. */
    byte[] sign(byte[] message);
}
