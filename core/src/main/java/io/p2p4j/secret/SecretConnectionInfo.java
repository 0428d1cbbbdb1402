package io.p2p4j.secret;

/**
 * What a completed SecretConnection handshake established; also fired down the pipeline as a
 * user event.
 *
 * @param remotePublicKey the peer's authenticated long-term Ed25519 key (32 bytes)
 */
public record SecretConnectionInfo(byte[] remotePublicKey) {
    public SecretConnectionInfo {
        remotePublicKey = remotePublicKey.clone();
    }

    @Override
    public byte[] remotePublicKey() {
        return remotePublicKey.clone();
    }
}
