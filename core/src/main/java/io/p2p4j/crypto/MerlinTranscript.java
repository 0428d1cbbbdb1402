package io.p2p4j.crypto;

import java.nio.charset.StandardCharsets;

/**
 * A Merlin transcript (STROBE-128 based Fiat-Shamir transcripts), as the SecretConnection
 * handshake uses to derive its challenge. Not thread-safe.
 */
public final class MerlinTranscript {
    private final Strobe128 strobe = new Strobe128("Merlin v1.0");

    /** A transcript for an application label. */
    public MerlinTranscript(String label) {
        appendMessage("dom-sep", label.getBytes(StandardCharsets.US_ASCII));
    }

    /** Appends a labelled message. */
    public void appendMessage(String label, byte[] message) {
        strobe.metaAd(label.getBytes(StandardCharsets.US_ASCII), false);
        strobe.metaAd(le32(message.length), true);
        strobe.ad(message, false);
    }

    /** Extracts {@code length} labelled challenge bytes. */
    public byte[] extractBytes(String label, int length) {
        byte[] out = new byte[length];
        strobe.metaAd(label.getBytes(StandardCharsets.US_ASCII), false);
        strobe.metaAd(le32(length), true);
        strobe.prf(out, false);
        return out;
    }

    private static byte[] le32(int value) {
        return new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)};
    }
}
