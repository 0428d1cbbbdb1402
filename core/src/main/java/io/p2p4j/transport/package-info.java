/**
 * TCP (and in-memory) listening and dialing, and the upgrade of each new connection: connection
 * filters, the SecretConnection handshake, the NodeInfo exchange and its checks. Depends on
 * {@code io.p2p4j.secret} and the value types of {@code io.p2p4j}.
 */
package io.p2p4j.transport;

import io.p2p4j.identity.NodeInfo;
