/**
 * The SecretConnection: CometBFT's authenticated encryption between peers, as Netty handlers
 * ({@link io.p2p4j.secret.SecretConnectionHandshake}, then a frame sealer and opener). Depends on
 * {@code io.p2p4j.crypto} and the generated messages only.
 */
package io.p2p4j.secret;
