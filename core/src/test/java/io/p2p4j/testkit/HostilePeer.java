package io.p2p4j.testkit;

import io.p2p4j.transport.NodeInfoProto;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.internal.Varint;
import io.p2p4j.secret.SecretConnectionHandshake;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A remote that speaks the real protocol up to where the test wants it to misbehave: it dials,
 * completes an honest SecretConnection handshake with its own key, and then sends whatever the
 * test writes (sealed), such as a crafted NodeInfo. It can stop reading to play a stalled peer.
 */
public final class HostilePeer implements AutoCloseable {
    private final NodeKey key;
    private final Channel channel;
    private final AtomicLong received = new AtomicLong();

    private HostilePeer(NodeKey key, Channel channel) {
        this.key = key;
        this.channel = channel;
    }

    /** Dials and completes the SecretConnection handshake; reads (and counts) what comes unless told not to. */
    public static HostilePeer connect(EventLoopGroup group, NetAddress target, NodeKey key, boolean reading) throws Exception {
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_RCVBUF, 32 * 1024)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) { }
                })
                .connect(new InetSocketAddress(target.host(), target.port())).sync().channel();
        HostilePeer peer = new HostilePeer(key, channel);
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(key, Duration.ofSeconds(3));
        channel.eventLoop().submit(() -> channel.pipeline().addLast(handshake).addLast(peer.new Counter())).sync();
        handshake.result().get(10, TimeUnit.SECONDS);
        channel.config().setAutoRead(reading);
        return peer;
    }

    private final class Counter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                received.addAndGet(buf.readableBytes());
            }
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    public NodeKey key() {
        return key;
    }

    public Channel channel() {
        return channel;
    }

    /** Plaintext bytes received so far. */
    public long received() {
        return received.get();
    }

    /** Sends bytes through the SecretConnection. */
    public void send(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Sends a NodeInfo, varint-delimited, as a real node does. */
    public void sendNodeInfo(NodeInfo info) {
        send(delimited(NodeInfoProto.toProto(info).toByteArray()));
    }

    /** Stops reading: the socket fills and the other side is pushed back. */
    public void stopReading() {
        channel.config().setAutoRead(false);
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    /** {@code bytes} prefixed with their protobuf varint length. */
    public static byte[] delimited(byte[] bytes) {
        ByteBuf out = Unpooled.buffer();
        Varint.write(out, bytes.length);
        out.writeBytes(bytes);
        byte[] result = io.netty.buffer.ByteBufUtil.getBytes(out);
        out.release();
        return result;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
