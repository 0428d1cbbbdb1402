package io.p2p4j.testkit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.testing.LoopbackConnection;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Real TCP connections on 127.0.0.1 for tests, on event loops of their own: each
 * {@link #connect()} returns both ends of a fresh connection, with auto-read off and no handlers.
 */
public final class Loopback implements AutoCloseable {
    private final EventLoopGroup group;
    private final int socketBufferBytes;

    /** Loopback connections with the kernel's default socket buffers. */
    public Loopback() {
        this(0);
    }

    /**
     * Loopback connections whose send and receive socket buffers are {@code socketBufferBytes}
     * (0: the kernel's default); small buffers make a peer that stops reading push back quickly.
     */
    public Loopback(int socketBufferBytes) {
        this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        this.socketBufferBytes = socketBufferBytes;
    }

    public EventLoopGroup group() {
        return group;
    }

    /** Opens a connection over 127.0.0.1 and returns both ends once both are active. */
    public LoopbackConnection connect() {
        return connect(UnaryOperator.identity());
    }

    /**
     * Opens a connection whose client dials {@code route.apply(serverAddress)} instead of the
     * server itself: a {@link FaultProxy} in between, for example.
     */
    public LoopbackConnection connect(UnaryOperator<SocketAddress> route) {
        return LoopbackConnection.open(group, group, socketBufferBytes, route);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
