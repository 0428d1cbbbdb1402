package io.p2p4j;

import io.p2p4j.conn.ConnectionStatus;

/**
 * A snapshot of one peer's traffic.
 *
 * @param connection    the connection's per-channel figures (queues, bytes, messages, rates)
 * @param mailboxBytes  bytes received and waiting to be handed to the reactors
 */
public record PeerStatus(ConnectionStatus connection, long mailboxBytes) {}
