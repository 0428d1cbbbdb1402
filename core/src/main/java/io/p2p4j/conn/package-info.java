/**
 * MConnection: many prioritized channels over one Netty channel, with CometBFT's packet format,
 * scheduler, keepalive, flush policy and rate limits. Depends only on Netty, the generated
 * messages and {@link io.p2p4j.conn.ChannelDescriptor}.
 */
package io.p2p4j.conn;
