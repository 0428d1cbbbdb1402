/**
 * Peer exchange: the {@link io.p2p4j.pex.AddrBook} (CometBFT's bucketed address book and its
 * addrbook.json) and the {@link io.p2p4j.pex.PexReactor} on channel 0x00 that gossips addresses,
 * keeps the node's outbound peers topped up and, in seed mode, crawls the network. Built on the
 * switch ({@code io.p2p4j}).
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.pex;
