package io.p2p4j.transport;

import io.p2p4j.net.TransportKind;
import io.p2p4j.net.FaultInjection;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each fault of {@link FaultInjection} acts on the bytes as documented; off adds nothing to the pipeline. */
class FaultInjectorTest {
    private static final Duration NOW = Duration.ZERO;

    private static EmbeddedChannel channel(FaultInjection faults) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addFirst("faults", new FaultInjector(faults, new Random(7)));
        return channel;
    }

    private static ByteBuf bytes(int... values) {
        ByteBuf buf = Unpooled.buffer(values.length);
        for (int v : values) {
            buf.writeByte(v);
        }
        return buf;
    }

    private static List<Integer> drainInbound(EmbeddedChannel channel) {
        List<Integer> out = new ArrayList<>();
        for (ByteBuf b; (b = channel.readInbound()) != null; ) {
            while (b.isReadable()) {
                out.add((int) b.readByte());
            }
            b.release();
        }
        return out;
    }

    private static List<Integer> drainOutbound(EmbeddedChannel channel) {
        List<Integer> out = new ArrayList<>();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            while (b.isReadable()) {
                out.add((int) b.readByte());
            }
            b.release();
        }
        return out;
    }

    @Test
    void droppedReadsAndWritesVanishAndTheWriterIsToldNothing() {
        EmbeddedChannel channel = channel(FaultInjection.drops(1.0, 0, 0, Duration.ofSeconds(1), NOW));
        channel.writeInbound(bytes(1, 2, 3));
        assertThat(drainInbound(channel)).isEmpty();
        ChannelFuture write = channel.writeAndFlush(bytes(4, 5));
        assertThat(write.isSuccess()).isTrue();
        assertThat(drainOutbound(channel)).isEmpty();
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }

    @Test
    void aDroppedConnectionIsClosed() {
        EmbeddedChannel channel = channel(FaultInjection.drops(0, 1.0, 0, Duration.ofSeconds(1), NOW));
        channel.writeInbound(bytes(1));
        assertThat(drainInbound(channel)).isEmpty();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void delayedReadsAndWritesArriveLateAndInOrder() {
        EmbeddedChannel channel = channel(FaultInjection.delays(Duration.ofMillis(100), NOW));
        for (int i = 0; i < 5; i++) {
            channel.writeInbound(bytes(i));
            channel.writeAndFlush(bytes(10 + i));
        }
        assertThat(drainInbound(channel)).isEmpty();
        assertThat(drainOutbound(channel)).isEmpty();
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(drainInbound(channel)).containsExactly(0, 1, 2, 3, 4);
        assertThat(drainOutbound(channel)).containsExactly(10, 11, 12, 13, 14);
        channel.finishAndReleaseAll();
    }

    @Test
    void aReadThatPassesDoesNotOvertakeOneThatIsHeld() {
        // probSleep 0.5: some reads are held, the others must wait behind them
        EmbeddedChannel channel = channel(FaultInjection.drops(0, 0, 0.5, Duration.ofMillis(50), NOW));
        for (int i = 0; i < 40; i++) {
            channel.writeInbound(bytes(i));
        }
        channel.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            expected.add(i);
        }
        assertThat(drainInbound(channel)).isEqualTo(expected);
        channel.finishAndReleaseAll();
    }

    @Test
    void nothingIsInjectedBeforeStartAfter() {
        EmbeddedChannel channel = channel(FaultInjection.drops(1.0, 0, 0, Duration.ofSeconds(1), Duration.ofSeconds(10)));
        channel.writeInbound(bytes(1));
        assertThat(drainInbound(channel)).containsExactly(1);
        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.writeInbound(bytes(2));
        assertThat(drainInbound(channel)).isEmpty();
        channel.finishAndReleaseAll();
    }

    @Test
    void heldBytesAreReleasedWhenTheConnectionCloses() {
        EmbeddedChannel channel = channel(FaultInjection.delays(Duration.ofMillis(100), NOW));
        ByteBuf in = bytes(1);
        channel.writeInbound(in);
        ChannelFuture write = channel.writeAndFlush(bytes(2));
        channel.close();
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(in.refCnt()).isZero();
        assertThat(write.isSuccess()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void offAddsNothingToAConnectionAndOnPutsTheInjectorFirst() throws Exception {
        for (FaultInjection faults : List.of(FaultInjection.off(), FaultInjection.delays(Duration.ofMillis(1), Duration.ofHours(1)))) {
            NodeKey serverKey = NodeKey.generate();
            NodeKey clientKey = NodeKey.generate();
            try (Transport server = transport(serverKey, faults); Transport client = transport(clientKey, faults)) {
                CompletableFuture<UpgradedConnection> inbound = new CompletableFuture<>();
                InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> upgrade.whenComplete((c, e) -> {
                    if (e == null) {
                        inbound.complete(c);
                    } else {
                        inbound.completeExceptionally(e);
                    }
                }));
                UpgradedConnection outbound = client.dial(new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort()))
                        .get(10, TimeUnit.SECONDS);
                for (UpgradedConnection c : List.of(outbound, inbound.get(10, TimeUnit.SECONDS))) {
                    if (faults.enabled()) {
                        assertThat(c.channel().pipeline().first()).isInstanceOf(FaultInjector.class);
                    } else {
                        assertThat(c.channel().pipeline().get(FaultInjector.class)).isNull();
                    }
                }
            }
        }
    }

    private static Transport transport(NodeKey key, FaultInjection faults) {
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {0x42}, "t");
        return new Transport(TransportKind.TCP, key, () -> info,
                new Transport.Settings(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(1), 0, 64, 64, faults),
                List.of());
    }
}
