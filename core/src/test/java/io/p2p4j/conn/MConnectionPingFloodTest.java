package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.PingFloodException;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.Latency;
import io.p2p4j.testkit.RawPeer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pings cannot buy unbounded work (issue 10, item 3): the pings of one read batch share one pong
 * and one flush, a ping rate over {@link MConnectionConfig#maxPingsPerSecond()} ends the peer, an
 * unsolicited pong is ignored, and a flood leaves a healthy connection on the same event loop
 * its latency.
 */
class MConnectionPingFloodTest {
    private static final byte CHANNEL = 0x21;
    private static final List<ChannelDescriptor> CHANNELS = List.of(ChannelDescriptor.builder(CHANNEL).build());
    /** Our own pings out of the way, so that everything written back is a pong. */
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited()
            .withKeepalive(Duration.ofDays(2), Duration.ofDays(1));
    private static final byte[] PING = {0x02, 0x0a, 0x00};
    private static final byte[] PONG = {0x02, 0x12, 0x00};
    /** Pings in one write of a flood: just under 64 KiB. */
    private static final int PINGS_PER_WRITE = 21_845;

    /** The loopback connections of each test, closed after it. */
    @RegisterExtension
    static final LoopbackConnections loopback = new LoopbackConnections();

    /** Counts the flushes that reach the socket. */
    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        final AtomicInteger flushes = new AtomicInteger();

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes.incrementAndGet();
            ctx.flush();
        }
    }

    private static byte[] pings(int count) {
        byte[] bytes = new byte[count * PING.length];
        for (int i = 0; i < count; i++) {
            System.arraycopy(PING, 0, bytes, i * PING.length, PING.length);
        }
        return bytes;
    }

    private static int pongsIn(byte[] received) {
        assertThat(received.length % PONG.length).as("bytes received back: whole pongs only").isZero();
        for (int i = 0; i < received.length; i += PONG.length) {
            assertThat(Arrays.copyOfRange(received, i, i + PONG.length)).containsExactly(PONG);
        }
        return received.length / PONG.length;
    }

    @Test
    void thePingsOfOneReadBatchGetOnePongAndOneFlush() {
        FlushCounter counter = new FlushCounter();
        EmbeddedChannel channel = new EmbeddedChannel(counter);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        MConnection connection = MConnection.builder(channel).channels(CHANNELS)
                .config(CONFIG.withMaxPingsPerSecond(1_000)).onError(errors::add).start();
        channel.writeInbound(Unpooled.wrappedBuffer(pings(1_000)));
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; buf.release()) {
            out.writeBytes(buf);
        }
        assertThat(ByteBufUtil.getBytes(out)).containsExactly(PONG);
        out.release();
        assertThat(counter.flushes.get()).isEqualTo(1);
        assertThat(errors).isEmpty();
        assertThat(connection.isRunning()).isTrue();
        connection.close();
        channel.finishAndReleaseAll();
    }

    @Test
    void pingsOverTheLimitEndThePeerWithAReasonNamingTheLimitAndNoPong() {
        EmbeddedChannel channel = new EmbeddedChannel();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        MConnection.builder(channel).channels(CHANNELS).config(CONFIG.withMaxPingsPerSecond(10))
                .onError(errors::add).start();
        channel.writeInbound(Unpooled.wrappedBuffer(pings(1_000)));
        assertThat(errors).singleElement().isInstanceOf(PingFloodException.class)
                .extracting(Throwable::getMessage).asString()
                .startsWith("ping flood: 101 pings in ")
                .endsWith("over the limit of 10 per second with bursts of 100 (maxPingsPerSecond)");
        assertThat((Object) channel.readOutbound()).as("no pong for a flood").isNull();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void unsolicitedPongsAreIgnoredWithoutError() {
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint victim = new Endpoint(pair.server(), CHANNELS, CONFIG);
            RawPeer peer = RawPeer.reading(pair.client());
            byte[] pongs = new byte[1_000 * PONG.length];
            for (int i = 0; i < 1_000; i++) {
                System.arraycopy(PONG, 0, pongs, i * PONG.length, PONG.length);
            }
            peer.write(pongs);
            ByteBuf msg = Unpooled.buffer();
            PacketCodec.writePacketMsg(msg, CHANNEL, true, new byte[] {42}, 0, 1);
            peer.write(ByteBufUtil.getBytes(msg));
            msg.release();
            await().atMost(Duration.ofSeconds(10)).until(() -> victim.count(CHANNEL) == 1);
            assertThat(victim.errors).isEmpty();
            assertThat(victim.connection.isRunning()).isTrue();
            assertThat(peer.received()).as("nothing answers a pong").isEmpty();
        }
    }

    /** Writes floods of pings until the peer is closed or {@code maxWrites} are written; returns the pings written. */
    private static long flood(RawPeer peer, int maxWrites, AtomicBoolean stop) {
        byte[] batch = pings(PINGS_PER_WRITE);
        long written = 0;
        for (int i = 0; i < maxWrites && peer.isOpen() && !stop.get(); i++) {
            if (!peer.channel().writeAndFlush(Unpooled.wrappedBuffer(batch)).awaitUninterruptibly(10, TimeUnit.SECONDS)) {
                break;
            }
            written += PINGS_PER_WRITE;
        }
        return written;
    }

    @Test
    void aPingFloodOverLoopbackGetsNoMoreThanTheBurstInPongsAndEndsThePeer() {
        FlushCounter counter = new FlushCounter();
        try (LoopbackConnection pair = loopback.connect()) {
            pair.server().pipeline().addFirst(counter);
            Endpoint victim = new Endpoint(pair.server(), CHANNELS, CONFIG); // the default limit
            RawPeer peer = RawPeer.reading(pair.client());
            long sent = flood(peer, 100, new AtomicBoolean());
            await().atMost(Duration.ofSeconds(10)).until(() -> !victim.errors.isEmpty() && !peer.isOpen());
            int pongs = pongsIn(peer.received());
            System.out.printf("ping flood at the default limit: %,d pings sent, %d pongs, %d flushes%n",
                    sent, pongs, counter.flushes.get());
            assertThat(victim.errors).singleElement().isInstanceOf(PingFloodException.class)
                    .extracting(Throwable::getMessage).asString()
                    .contains("over the limit of 10 per second with bursts of 100 (maxPingsPerSecond)");
            int burst = 10 * PingLimiter.BURST_SECONDS;
            assertThat(pongs).isLessThanOrEqualTo(burst);
            assertThat(counter.flushes.get()).isLessThanOrEqualTo(burst);
        }
    }

    /** What a flooder did: connections opened, pings written, pongs received, connections ended for flooding. */
    private record FloodTally(int connections, long pings, long pongs, int endedForFlooding) { }

    /**
     * Floods pings at fresh MConnections on {@code victims}' event loop, opening a new connection
     * each time the last is ended, until told to stop or after {@code maxConnections}.
     */
    private static FloodTally floodReconnecting(EventLoopGroup victims, int maxConnections, AtomicBoolean stop) {
        int connections = 0;
        long pings = 0;
        long pongs = 0;
        int ended = 0;
        while (connections < maxConnections && !stop.get()) {
            try (LoopbackConnection pair = LoopbackConnection.open(loopback.eventLoops(), victims, 0, UnaryOperator.identity())) {
                connections++;
                Endpoint victim = new Endpoint(pair.server(), CHANNELS, CONFIG); // the default limit
                RawPeer peer = RawPeer.reading(pair.client());
                // one write holds 218 times the burst; writing on after it only loads this machine
                pings += flood(peer, 1, stop);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> (!peer.isOpen() && !victim.errors.isEmpty()) || stop.get());
                pongs += pongsIn(peer.received());
                if (!victim.errors.isEmpty() && victim.errors.get(0) instanceof PingFloodException) {
                    ended++;
                }
            }
        }
        return new FloodTally(connections, pings, pongs, ended);
    }

    @Test
    void aHealthyConnectionOnTheSameEventLoopKeepsItsLatencyWhileAPeerFloodsPings() throws Exception {
        // the victims and the healthy receiver share one event loop; the senders have their own
        EventLoopGroup shared = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicBoolean stop = new AtomicBoolean();
        try (LoopbackConnection healthy = LoopbackConnection.open(loopback.eventLoops(), shared, 0, UnaryOperator.identity())) {
            BlockingQueue<Long> latencies = new LinkedBlockingQueue<>();
            MConnection sender = MConnection.builder(healthy.client()).channels(CHANNELS).config(CONFIG).start();
            MConnection.builder(healthy.server()).channels(CHANNELS).config(CONFIG).onReceive(Latency.stamping(latencies))
                    .start();
            Duration limit = Duration.ofSeconds(15);
            Latency.p99(sender, CHANNEL, latencies, 200, limit); // warm-up
            long baseline = Latency.p99(sender, CHANNEL, latencies, 1_000, limit);

            // the flooder opens a new connection each time one is ended, for as long as we measure
            java.util.concurrent.CompletableFuture<FloodTally> tally = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> floodReconnecting(shared, 1_000, stop), r -> Thread.ofPlatform().start(r));
            long during = Latency.p99(sender, CHANNEL, latencies, 1_000, limit);
            stop.set(true);
            FloodTally flood = tally.get(60, TimeUnit.SECONDS);
            System.out.printf("healthy p99 %.2f ms before, %.2f ms during a flood of %,d pings over %d connections"
                    + " (%d ended for flooding) answered by %d pongs%n", baseline / 1e6, during / 1e6, flood.pings(),
                    flood.connections(), flood.endedForFlooding(), flood.pongs());
            assertThat(flood.connections()).isGreaterThan(1);
            assertThat(flood.endedForFlooding()).isGreaterThanOrEqualTo(flood.connections() - 1); // the last one stopped
            assertThat(flood.pongs()).isLessThanOrEqualTo(flood.connections() * 10L * PingLimiter.BURST_SECONDS);
            // The 2x-of-baseline figure is measured by bench/run pingflood on a quiet machine, not
            // asserted here: with other builds loading both cores this measured 2-8x of a 3-25 ms
            // baseline. What this test holds to is the difference from answering each ping, which
            // took the healthy connection's p99 to 2.5-3.7 s.
            assertThat(during).isLessThanOrEqualTo(baseline + TimeUnit.SECONDS.toNanos(1));
        } finally {
            stop.set(true);
            shared.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
