/**
 * TCP (and in-memory) listening and dialing, and the upgrade of each new connection: connection
 * filters, the SecretConnection handshake, the NodeInfo exchange and its checks. Depends on
 * {@code io.p2p4j.secret}, {@code io.p2p4j.identity} and {@code io.p2p4j.net}. Internal: the
 * module does not export it; what users see of it is in {@code io.p2p4j.net}.
 */
package io.p2p4j.transport;

import io.p2p4j.identity.NodeInfo;
