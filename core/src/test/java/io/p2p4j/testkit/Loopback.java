package io.p2p4j.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Real TCP connections on 127.0.0.1 for tests: each {@link #connect()} returns both ends of a
 * fresh connection, with auto-read off and no handlers, ready for the code under test.
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

    /** Both ends of one connection. */
    public record Pair(Channel client, Channel server) implements AutoCloseable {
        @Override
        public void close() {
            client.close().syncUninterruptibly();
            server.close().syncUninterruptibly();
        }
    }

    /** Opens a connection over 127.0.0.1 and returns both ends once both are active. */
    public Pair connect() {
        return connect(java.util.function.UnaryOperator.identity());
    }

    /**
     * Opens a connection whose client dials {@code route.apply(serverAddress)} instead of the
     * server itself: a {@link FaultProxy} in between, for example.
     */
    public Pair connect(java.util.function.UnaryOperator<java.net.SocketAddress> route) {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        ServerBootstrap server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.complete(ch);
                    }
                });
        Bootstrap client = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) { }
                });
        if (socketBufferBytes > 0) {
            server.childOption(ChannelOption.SO_RCVBUF, socketBufferBytes)
                    .childOption(ChannelOption.SO_SNDBUF, socketBufferBytes)
                    .option(ChannelOption.SO_RCVBUF, socketBufferBytes);
            client.option(ChannelOption.SO_RCVBUF, socketBufferBytes)
                    .option(ChannelOption.SO_SNDBUF, socketBufferBytes);
        }
        Channel listener = server.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        try {
            Channel c = client.connect(route.apply(listener.localAddress())).syncUninterruptibly().channel();
            Channel s = accepted.get(10, TimeUnit.SECONDS);
            return new Pair(c, s);
        } catch (Exception e) {
            throw new IllegalStateException("loopback connection failed", e);
        } finally {
            listener.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
