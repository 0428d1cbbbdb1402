package io.p2p4j.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.testkit.HostilePeer;
import io.p2p4j.testing.LoopbackConnections;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Between the NodeInfo exchange and the hand-off to the next stage (while peer filters, initPeer
 * or a replacement run, seconds at worst), nothing is read from a peer that streams right after
 * its NodeInfo: what is held stays within one socket read, and all of it arrives once handed off.
 */
class HandOffTest {
    /** More than one socket read (at most 64 KiB with Netty's adaptive allocator), far less than what is streamed. */
    private static final long BOUND = 128 * 1024;
    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 128; // 8 MiB

    /** Counts bytes, and checks that they are the streamed pattern, in order. */
    private static final class Counter extends ChannelInboundHandlerAdapter {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong firstRead = new AtomicLong(-1);
        final AtomicBoolean intact = new AtomicBoolean(true);
        private final boolean checkPattern;

        Counter(boolean checkPattern) {
            this.checkPattern = checkPattern;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                int n = buf.readableBytes();
                firstRead.compareAndSet(-1, n);
                long position = bytes.get();
                if (checkPattern) {
                    byte[] got = ByteBufUtil.getBytes(buf); // one access: leak detection records each
                    for (int i = 0; i < n; i++) {
                        if (got[i] != pattern(position + i)) {
                            intact.set(false);
                        }
                    }
                }
                bytes.addAndGet(n);
            }
            if (checkPattern) {
                ReferenceCountUtil.release(msg);
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    private static byte pattern(long position) {
        return (byte) (position % 251);
    }

    @Test
    void aPeerStreamingRightAfterItsNodeInfoIsNotReadUntilHandedOff() throws Exception {
        streamWhileHeld(accepted -> {
            accepted.handOff(); // as a switch does: the next stage is added, then the hand-off ...
            accepted.channel().config().setAutoRead(true); // ... and reading starts
        });
    }

    @Test
    void aNextStageThatStartsReadingBeforeTheHandOffGetsTheBytesAtOnce() throws Exception {
        // an MConnection turns auto-read on as it starts, before the switch's hand-off task runs
        streamWhileHeld(accepted -> accepted.channel().config().setAutoRead(true));
    }

    /**
     * A peer streams 8 MiB right after the exchange while the server holds the hand-off; then
     * {@code startNextStage} runs on the event loop after a counting next stage is added.
     */
    private static void streamWhileHeld(Consumer<UpgradedConnection> startNextStage) throws Exception {
        NodeKey serverKey = NodeKey.generate();
        NodeKey clientKey = NodeKey.generate();
        Counter readFromSocket = new Counter(false);
        int socketBuffer = 64 * 1024; // so that the kernel holds little for a peer we do not read
        NodeInfo clientInfo = NodeInfo.of(clientKey.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0",
                new byte[] {0x42}, "t");
        try (Transport server = TransportTest.transport(serverKey, socketBuffer); LoopbackConnections loopback = new LoopbackConnections()) {
            CompletableFuture<UpgradedConnection> inbound = new CompletableFuture<>();
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> upgrade.whenComplete((c, e) -> {
                if (e != null) {
                    inbound.completeExceptionally(e);
                } else {
                    // on the event loop, right as the exchange ends: count what is read from here on
                    c.channel().pipeline().addFirst("read-from-socket", readFromSocket);
                    inbound.complete(c);
                }
            }));
            HostilePeer hostile = HostilePeer.connect(loopback.eventLoops(),
                    new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort()), clientKey, true);
            // once the server's NodeInfo is here the server reads ours in the exchange, not with the handshake
            await().atMost(Duration.ofSeconds(10)).until(() -> hostile.received() > 0);
            hostile.sendNodeInfo(clientInfo);
            UpgradedConnection accepted = inbound.get(10, TimeUnit.SECONDS);
            // then it streams 8 MiB at once, while the server holds the hand-off (a slow filter)
            byte[] stream = new byte[CHUNKS * CHUNK];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = pattern(i);
            }
            for (int i = 0; i < CHUNKS; i++) {
                hostile.channel().write(Unpooled.wrappedBuffer(stream, i * CHUNK, CHUNK));
            }
            hostile.channel().flush();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(readFromSocket.bytes.get()).as("bytes read from the socket after the NodeInfo, "
                            + "before the hand-off").isLessThanOrEqualTo(BOUND));
            long readWhileHeld = readFromSocket.bytes.get();

            Counter delivered = new Counter(true);
            accepted.channel().eventLoop().submit(() -> {
                accepted.channel().pipeline().addLast("next-stage", delivered);
                startNextStage.accept(accepted);
            }).sync();
            await().atMost(Duration.ofSeconds(30)).until(() -> delivered.bytes.get() >= stream.length);
            System.out.printf("streamed %d bytes after the NodeInfo: %d read from the socket while the hand-off was "
                    + "held, %d held and handed on%n", stream.length, readWhileHeld, delivered.firstRead.get());
            assertThat(delivered.firstRead.get()).as("bytes held until the hand-off").isLessThanOrEqualTo(BOUND);
            assertThat(delivered.bytes.get()).isEqualTo(stream.length);
            assertThat(delivered.intact.get()).as("every byte, in order").isTrue();
            assertThat(accepted.channel().pipeline().get(NodeInfoHandshake.class)).isNull();
        }
    }
}
