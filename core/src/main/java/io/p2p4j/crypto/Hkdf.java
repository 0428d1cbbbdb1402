package io.p2p4j.crypto;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/** HKDF with SHA-256 (RFC 5869), from Bouncy Castle. */
public final class Hkdf {
    private Hkdf() {}

    /**
     * Derives {@code length} bytes. A null or empty salt means RFC 5869's default, 32 zero bytes.
     */
    public static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length) {
        HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA256Digest());
        generator.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[length];
        generator.generateBytes(out, 0, length);
        return out;
    }
}
