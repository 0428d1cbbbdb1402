/**
 * MConnection: many prioritized channels over one Netty channel, with CometBFT's packet format,
 * scheduler, keepalive, flush policy and rate limits. Depends only on Netty, the generated
 * messages and {@code io.p2p4j.internal} (the varint reader and writer).
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.conn;
