/**
 * Cryptographic primitives of the SecretConnection handshake and frames: the Merlin transcript
 * (STROBE-128 over Keccak-f[1600], written here), HKDF-SHA256, X25519 and Ed25519 (Bouncy Castle),
 * and the ChaCha20-Poly1305 frame cipher (the JDK's, intrinsified on JDK 21+). Depends on nothing
 * else of p2p4j. Internal: the module does not export it.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.crypto;
