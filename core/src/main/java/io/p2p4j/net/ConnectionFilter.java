package io.p2p4j.net;

import java.net.InetSocketAddress;

/**
 * Decides whether a connection may go on, before any handshake: throw to refuse it. Runs for
 * accepted and dialed connections, off the event loops, bounded by the filter timeout
 * (P2pConfig#filterTimeout): a filter that does not answer in time refuses the connection.
 */
@FunctionalInterface
public interface ConnectionFilter {
    void check(InetSocketAddress remote) throws Exception;
}
