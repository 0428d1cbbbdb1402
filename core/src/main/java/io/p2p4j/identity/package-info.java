/**
 * Who a peer is and where it is: {@link io.p2p4j.identity.NodeId}, {@link io.p2p4j.identity.NodeKey},
 * {@link io.p2p4j.identity.NodeInfo} and {@link io.p2p4j.identity.NetAddress}, validated values
 * shared by the transport, the switch and PEX. Depends on {@code io.p2p4j.crypto},
 * {@code io.p2p4j.internal} and {@code io.p2p4j.conn} (a NodeInfo lists channel descriptors). Exported.
 *
 * <p>The key's signer, {@link io.p2p4j.identity.Ed25519Signer}, lives here because
 * {@code NodeKey} implements it.
 *
 * <p>Packages depend one way. From the bottom: crypto, internal, conn, identity, net, secret,
 * transport, {@code io.p2p4j}, pex; each uses only those below it, which
 * {@code PackageLayersTest} checks.
 */
package io.p2p4j.identity;
