package io.p2p4j.secret;

import io.p2p4j.crypto.Hkdf;
import io.p2p4j.crypto.MerlinTranscript;
import io.p2p4j.crypto.X25519Keys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What both sides of the handshake derive from the two ephemeral keys: the shared secret, the
 * Merlin challenge each side signs, and the two frame keys (HKDF-SHA256 of the raw secret; the
 * side whose ephemeral key sorts lower receives with the first 32 bytes and sends with the next).
 */
record HandshakeKeys(byte[] sharedSecret, boolean localIsLeast, byte[] challenge, byte[] recvKey, byte[] sendKey) {

    static HandshakeKeys derive(byte[] localPrivate, byte[] localPublic, byte[] remotePublic)
            throws X25519Keys.LowOrderPointException {
        byte[] dh = X25519Keys.agree(localPrivate, remotePublic);
        boolean localIsLeast = Arrays.compareUnsigned(localPublic, remotePublic) < 0;
        byte[] lo = localIsLeast ? localPublic : remotePublic;
        byte[] hi = localIsLeast ? remotePublic : localPublic;
        MerlinTranscript transcript = new MerlinTranscript(SecretConnectionHandshake.TRANSCRIPT_LABEL);
        transcript.appendMessage("EPHEMERAL_LOWER_PUBLIC_KEY", lo);
        transcript.appendMessage("EPHEMERAL_UPPER_PUBLIC_KEY", hi);
        transcript.appendMessage("DH_SECRET", dh);
        byte[] challenge = transcript.extractBytes("SECRET_CONNECTION_MAC", 32);
        byte[][] frameKeys = frameKeys(dh, localIsLeast);
        return new HandshakeKeys(dh, localIsLeast, challenge, frameKeys[0], frameKeys[1]);
    }

    /** {recv, send} for this shared secret and ordering. */
    static byte[][] frameKeys(byte[] dh, boolean localIsLeast) {
        byte[] okm = Hkdf.sha256(dh, null, SecretConnectionHandshake.HKDF_INFO.getBytes(StandardCharsets.US_ASCII), 96);
        byte[] first = Arrays.copyOfRange(okm, 0, 32);
        byte[] second = Arrays.copyOfRange(okm, 32, 64);
        return localIsLeast ? new byte[][] {first, second} : new byte[][] {second, first};
    }
}
