package io.p2p4j.secret;

import java.io.IOException;

/**
 * Why a SecretConnection failed: the handshake (bad key message, low-order key, bad signature,
 * unsupported key type, timeout) or a frame (authentication failed, bad length, nonce overflow).
 */
public final class SecretConnectionException extends IOException {
    private static final long serialVersionUID = 1L;

    public SecretConnectionException(String message) {
        super(message);
    }

    public SecretConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
