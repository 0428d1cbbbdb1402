/**
 * TCP (and in-memory) listening and dialing, and the upgrade of each new connection: connection
 * filters, the SecretConnection handshake, the NodeInfo exchange and its checks. Depends on
 * {@code io.p2p4j.secret}, the identity values of {@code io.p2p4j.identity}, the signer of
 * {@code io.p2p4j.crypto} and {@code io.p2p4j.internal}.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, secret,
 * transport, {@code io.p2p4j}, pex, testing; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.transport;
