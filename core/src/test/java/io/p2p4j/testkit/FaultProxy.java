package io.p2p4j.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on 127.0.0.1 that mangles the timing of a stream: every write is cut into
 * segments of 1 to {@code maxSegment} bytes, each flushed on its own, and a segment is now and
 * then held back up to {@code maxDelayMillis}. Order is kept (TCP keeps it too), so what arrives
 * is what was sent, in pieces, unless a {@link #flipBit bit flip}, a {@link #cutAfter cut} or a
 * {@link #freeze freeze} is asked for. Each connection through the proxy gets the same treatment.
 */
public final class FaultProxy implements AutoCloseable {
    /** Which way bytes travel through the proxy. */
    public enum Direction {
        /** From the dialer to the target. */
        TO_TARGET,
        /** From the target back to the dialer. */
        FROM_TARGET
    }

    private final EventLoopGroup group;
    private final SocketAddress target;
    private final int maxSegment;
    private final int maxDelayMillis;
    private final long seed;
    private final long[] flipOffset = {-1, -1};
    private final int[] flipMask = new int[2];
    private final long[] cutOffset = {-1, -1};
    private final java.util.Set<Relay> relays = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean frozen;
    private Channel listener;

    /** A relay that passes the bytes on unchanged, as they come. */
    public FaultProxy(EventLoopGroup group, SocketAddress target) {
        this(group, target, Integer.MAX_VALUE - 1, 0, 0);
    }

    public FaultProxy(EventLoopGroup group, SocketAddress target, int maxSegment, int maxDelayMillis, long seed) {
        this.group = group;
        this.target = target;
        this.maxSegment = maxSegment;
        this.maxDelayMillis = maxDelayMillis;
        this.seed = seed;
    }

    /**
     * Flips bit {@code bit} (0 is the lowest) of the byte at {@code offset} (counted from 0 from the
     * start of the connection) going {@code direction}; the bytes around it pass unchanged. Call
     * before {@link #start()}.
     */
    public FaultProxy flipBit(Direction direction, long offset, int bit) {
        if (offset < 0 || bit < 0 || bit > 7) {
            throw new IllegalArgumentException("offset " + offset + ", bit " + bit);
        }
        flipOffset[direction.ordinal()] = offset;
        flipMask[direction.ordinal()] = 1 << bit;
        return this;
    }

    /**
     * Passes on the first {@code offset} bytes going {@code direction}, then resets both
     * connections (RST, not FIN), as a crashed host or a middlebox does. Call before {@link #start()}.
     */
    public FaultProxy cutAfter(Direction direction, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset);
        }
        if (maxDelayMillis > 0) {
            throw new IllegalStateException("a cut needs a relay that holds nothing back (no delays)");
        }
        cutOffset[direction.ordinal()] = offset;
        return this;
    }

    /**
     * From now on forwards nothing in either direction and stops reading, while both sockets stay
     * open: a peer that hangs without closing.
     */
    public void freeze() {
        frozen = true;
        for (Relay relay : relays) {
            relay.freeze();
        }
    }

    /** Starts listening and returns the address to dial instead of the target. */
    public SocketAddress start() {
        listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel inbound) {
                        // both sides on the inbound side's event loop: the relays are single-threaded
                        new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                                .handler(new Relay(inbound, new Random(seed), Direction.FROM_TARGET))
                                .connect(target).addListener((io.netty.channel.ChannelFuture f) -> {
                                    if (!f.isSuccess()) {
                                        inbound.close();
                                        return;
                                    }
                                    inbound.pipeline().addLast(
                                            new Relay(f.channel(), new Random(seed + 1), Direction.TO_TARGET));
                                    inbound.config().setAutoRead(true);
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
        return listener.localAddress();
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
    }

    /**
     * Forwards what one side reads to the other side, in small segments; now and then one is
     * held back, and every later one waits behind it in a FIFO, so order is kept.
     */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel to;
        private final Random random;
        private final java.util.ArrayDeque<ByteBuf> held = new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<Long> releaseAt = new java.util.ArrayDeque<>();
        private final long flipAt;
        private final int mask;
        private final long cutAt;
        private Channel from;
        private long forwarded;
        private boolean drainScheduled;
        private boolean closing;

        Relay(Channel to, Random random, Direction direction) {
            this.to = to;
            this.random = random;
            this.flipAt = flipOffset[direction.ordinal()];
            this.mask = flipMask[direction.ordinal()];
            this.cutAt = cutOffset[direction.ordinal()];
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            from = ctx.channel();
            relays.add(this);
            if (frozen) {
                freeze();
            }
        }

        void freeze() {
            from.eventLoop().execute(() -> from.config().setAutoRead(false));
        }

        /** Resets both connections: SO_LINGER 0 makes close send RST. */
        private void reset() {
            for (Channel c : new Channel[] {from, to}) {
                c.config().setOption(ChannelOption.SO_LINGER, 0);
                c.close();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (frozen) {
                    return; // dropped: nothing passes once frozen
                }
                if (cutAt >= 0 && forwarded + buf.readableBytes() > cutAt) {
                    // pass on what comes before the cut, then reset
                    buf.writerIndex(buf.readerIndex() + (int) Math.max(0, cutAt - forwarded));
                    if (buf.isReadable()) {
                        forwarded += buf.readableBytes();
                        to.writeAndFlush(buf.retain()).addListener(f -> reset());
                    } else {
                        reset();
                    }
                    return;
                }
                long into = flipAt - forwarded;
                if (flipAt >= 0 && into >= 0 && into < buf.readableBytes()) {
                    int index = buf.readerIndex() + (int) into;
                    buf.setByte(index, buf.getByte(index) ^ mask);
                }
                forwarded += buf.readableBytes();
                while (buf.isReadable()) {
                    int n = Math.min(buf.readableBytes(), 1 + random.nextInt(maxSegment));
                    ByteBuf segment = buf.readRetainedSlice(n);
                    long delay = maxDelayMillis > 0 && random.nextInt(64) == 0
                            ? TimeUnit.MILLISECONDS.toNanos(random.nextInt(maxDelayMillis + 1)) : 0;
                    if (held.isEmpty() && delay == 0) {
                        to.writeAndFlush(segment);
                    } else {
                        held.add(segment);
                        releaseAt.add(System.nanoTime() + delay);
                        scheduleDrain();
                    }
                }
            } finally {
                buf.release();
            }
        }

        private void scheduleDrain() {
            if (drainScheduled || held.isEmpty()) {
                return;
            }
            drainScheduled = true;
            long wait = Math.max(0, releaseAt.peek() - System.nanoTime());
            to.eventLoop().schedule(this::drain, wait, TimeUnit.NANOSECONDS);
        }

        private void drain() {
            drainScheduled = false;
            long now = System.nanoTime();
            while (!held.isEmpty() && releaseAt.peek() <= now) {
                releaseAt.poll();
                to.writeAndFlush(held.poll());
            }
            if (held.isEmpty() && closing) {
                to.close();
            }
            scheduleDrain();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (held.isEmpty()) {
                to.close();
            } else {
                closing = true;
            }
        }
    }
}
