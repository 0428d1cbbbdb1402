package io.p2p4j.net;

/**
 * What carries a switch's connections: real TCP sockets (the default), or Netty's in-process
 * local channels, whose addresses {@code 127.0.0.1:<n>} are mapped to in-process names, for fast
 * tests of everything above the socket.
 */
public enum TransportKind {
    /** Real sockets. */
    TCP,
    /** In-process channels, for tests. */
    IN_MEMORY
}
