package io.p2p4j.identity;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A node's identity as CometBFT writes it: the lower-case hex of the first 20 bytes of the
 * SHA-256 of its Ed25519 public key (40 characters).
 *
 * @param hex the 40 lower-case hex characters
 */
public record NodeId(String hex) implements Comparable<NodeId> {
    /** Bytes of an id. */
    public static final int BYTES = 20;

    /** @throws IllegalArgumentException if {@code hex} is not 40 lower-case hex characters */
    public NodeId {
        Objects.requireNonNull(hex, "hex");
        if (hex.length() != 2 * BYTES) {
            throw new IllegalArgumentException("node id must be " + 2 * BYTES + " hex characters, got "
                    + hex.length() + " in \"" + abbreviate(hex) + "\"");
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                throw new IllegalArgumentException("node id must be lower-case hex, got \"" + abbreviate(hex) + "\"");
            }
        }
    }

    /** The id of the node with this 32-byte Ed25519 public key. */
    public static NodeId fromPublicKey(byte[] ed25519PublicKey) {
        if (ed25519PublicKey.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got " + ed25519PublicKey.length);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(ed25519PublicKey);
            return new NodeId(HexFormat.of().formatHex(digest, 0, BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Parses an id, accepting upper-case hex as CometBFT's decoder does, and normalizing it. */
    public static NodeId parse(String text) {
        return new NodeId(Objects.requireNonNull(text, "text").toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public int compareTo(NodeId other) {
        return hex.compareTo(other.hex);
    }

    @Override
    public String toString() {
        return hex;
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
