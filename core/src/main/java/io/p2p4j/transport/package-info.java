/**
 * TCP (and in-memory) listening and dialing, and the upgrade of each new connection: connection
 * filters, the SecretConnection handshake, the NodeInfo exchange and its checks. Depends on
 * {@code io.p2p4j.secret}, {@code io.p2p4j.identity}, {@code io.p2p4j.net} and
 * {@code io.p2p4j.internal}. Internal: the module does not export it; what users see of it is in
 * {@code io.p2p4j.net}.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.transport;
