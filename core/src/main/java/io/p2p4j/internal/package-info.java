/**
 * Small pieces the other packages share that are not part of the public API (the module does not export them; they may change
 * without notice): the atomic file write behind node_key.json and addrbook.json, protobuf's
 * varints on Netty buffers, the base of the handshake stages, and the cause under a future's
 * wrapper exceptions. Depends on nothing else of p2p4j.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.internal;
