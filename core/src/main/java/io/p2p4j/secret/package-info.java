/**
 * The SecretConnection: CometBFT's authenticated encryption between peers, as Netty handlers
 * ({@link io.p2p4j.secret.SecretConnectionHandshake}, then a frame sealer and opener). Depends on
 * {@code io.p2p4j.crypto}, {@code io.p2p4j.internal} (the handshake stage base, varints) and the
 * generated messages only.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, secret,
 * transport, {@code io.p2p4j}, pex, testing; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.secret;
