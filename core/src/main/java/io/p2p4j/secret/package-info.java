/**
 * The SecretConnection: CometBFT's authenticated encryption between peers, as Netty handlers
 * ({@link io.p2p4j.secret.SecretConnectionHandshake}, then a frame sealer and opener). Depends on
 * {@code io.p2p4j.crypto}, {@code io.p2p4j.internal} (the handshake stage base, varints),
 * {@code Ed25519Signer} of {@code io.p2p4j.identity} and the generated messages only. Internal:
 * the module does not export it.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.secret;
