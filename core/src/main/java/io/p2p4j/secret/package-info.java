/**
 * The SecretConnection: CometBFT's authenticated encryption between peers, as Netty handlers
 * ({@link io.p2p4j.secret.SecretConnectionHandshake}, then a frame sealer and opener). Depends on
 * {@code io.p2p4j.crypto}, the generated messages and {@code Ed25519Signer} of
 * {@code io.p2p4j.identity}. Internal: the module does not export it.
 */
package io.p2p4j.secret;
