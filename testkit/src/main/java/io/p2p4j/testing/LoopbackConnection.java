package io.p2p4j.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Both ends of one real TCP connection on 127.0.0.1, with auto-read off and no handlers, ready
 * for the code under test (an {@link io.p2p4j.conn.MConnection}, a SecretConnection handshake):
 * for tests, benchmarks and demos. Close it to close both ends.
 *
 * @param client the dialing end
 * @param server the accepted end
 */
public record LoopbackConnection(Channel client, Channel server) implements AutoCloseable {

    /** Opens a connection with both ends on {@code group}'s event loops. */
    public static LoopbackConnection open(EventLoopGroup group) {
        return open(group, group);
    }

    /** Opens a connection whose ends run on event loops of their own groups. */
    public static LoopbackConnection open(EventLoopGroup clientGroup, EventLoopGroup serverGroup) {
        return open(clientGroup, serverGroup, 0, UnaryOperator.identity());
    }

    /**
     * Opens a connection.
     *
     * @param clientGroup        event loops of the dialing end
     * @param serverGroup        event loops of the accepted end
     * @param socketBufferBytes  SO_SNDBUF and SO_RCVBUF of both ends (0: the kernel's default);
     *                           small buffers make a peer that stops reading push back quickly
     * @param route              where the client dials, given the server's address: the server
     *                           itself, or a proxy in between that forwards to it
     * @throws IllegalStateException if the connection could not be made within 10 s
     */
    public static LoopbackConnection open(EventLoopGroup clientGroup, EventLoopGroup serverGroup,
            int socketBufferBytes, UnaryOperator<SocketAddress> route) {
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        ServerBootstrap server = new ServerBootstrap()
                .group(serverGroup)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.complete(ch);
                    }
                });
        Bootstrap client = new Bootstrap()
                .group(clientGroup)
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
            try {
                return new LoopbackConnection(c, accepted.get(10, TimeUnit.SECONDS));
            } catch (Exception e) {
                c.close();
                throw e;
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("loopback connection failed: " + e.getMessage(), e);
        } finally {
            listener.close().syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        client.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
    }
}
