package io.p2p4j.testkit;

import io.netty.channel.EventLoopGroup;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import java.net.SocketAddress;
import java.util.function.UnaryOperator;

/**
 * Real TCP connections on 127.0.0.1 for tests, on event loops of their own: each
 * {@link #connect()} returns both ends of a fresh connection, with auto-read off and no handlers.
 * For a helper held in try-with-resources or across a jqwik container; a JUnit test class
 * registers the test kit's {@link LoopbackConnections} instead, which this delegates to.
 */
public final class Loopback implements AutoCloseable {
    private final LoopbackConnections connections;

    /** Loopback connections with the kernel's default socket buffers. */
    public Loopback() {
        this(0);
    }

    /**
     * Loopback connections whose send and receive socket buffers are {@code socketBufferBytes}
     * (0: the kernel's default); small buffers make a peer that stops reading push back quickly.
     */
    public Loopback(int socketBufferBytes) {
        this.connections = new LoopbackConnections(socketBufferBytes);
    }

    public EventLoopGroup group() {
        return connections.eventLoops();
    }

    /** Opens a connection over 127.0.0.1 and returns both ends once both are active. */
    public LoopbackConnection connect() {
        return connections.connect();
    }

    /**
     * Opens a connection whose client dials {@code route.apply(serverAddress)} instead of the
     * server itself: a {@link FaultProxy} in between, for example.
     */
    public LoopbackConnection connect(UnaryOperator<SocketAddress> route) {
        return connections.connect(route);
    }

    /** Closes the connections still open and stops the event loops. */
    @Override
    public void close() {
        connections.close();
    }
}
