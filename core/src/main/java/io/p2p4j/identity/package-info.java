/**
 * Who a node is and where it is: its key ({@link io.p2p4j.identity.NodeKey}), id, NodeInfo and
 * network addresses, with their validation. Depends only on {@code ChannelDescriptor} of
 * {@code io.p2p4j.conn} (to name channels) and {@code io.p2p4j.internal} (for the key's file),
 * so every layer above the connection may use it.
 */
package io.p2p4j.identity;
