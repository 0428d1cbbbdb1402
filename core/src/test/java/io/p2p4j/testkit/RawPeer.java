package io.p2p4j.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/**
 * The far end of a connection driven by hand: a test writes raw bytes to it and reads what it
 * received. Reading can be left off to play a peer that never reads.
 */
public final class RawPeer {
    private final Channel channel;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    private RawPeer(Channel channel, boolean reading) {
        this.channel = channel;
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                try {
                    synchronized (received) {
                        received.writeBytes(ByteBufUtil.getBytes(buf));
                    }
                } finally {
                    buf.release();
                }
            }
        });
        channel.config().setAutoRead(reading);
    }

    /** A peer that reads and records everything it receives. */
    public static RawPeer reading(Channel channel) {
        return new RawPeer(channel, true);
    }

    /** A peer that never reads: the socket's buffers fill and the sender is pushed back. */
    public static RawPeer notReading(Channel channel) {
        return new RawPeer(channel, false);
    }

    public Channel channel() {
        return channel;
    }

    /** Writes and flushes raw bytes. */
    public void write(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Writes and flushes bytes given in hex. */
    public void writeHex(String hex) {
        write(HexFormat.of().parseHex(hex));
    }

    /** Everything received so far. */
    public byte[] received() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    public boolean isOpen() {
        return channel.isOpen();
    }
}
