package io.p2p4j.transport;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testkit.Latency;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a peer looping handshakes costs an established peer on the same event loop: the message
 * latency of an MConnection on the listener's only event loop, before and while four dialers
 * complete handshakes with it as fast as they can.
 */
class HandshakeLoadTest {
    private static final byte CHANNEL = 0x21;
    private static final List<ChannelDescriptor> CHANNELS = List.of(ChannelDescriptor.builder(CHANNEL).build());
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();
    private static final Duration LIMIT = Duration.ofSeconds(15);

    private static Transport transport(NodeKey key, EventLoopGroup loops) {
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {CHANNEL}, "t");
        return new Transport(TransportKind.TCP, key, () -> info,
                new Transport.Settings(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(1), 0, 64, 64),
                List.of(), loops);
    }

    /** Installs an MConnection on an upgraded connection, on its event loop, and lets bytes flow to it. */
    private static MConnection start(UpgradedConnection c, MConnection.Receiver receiver) throws Exception {
        Channel channel = c.channel();
        return channel.eventLoop().submit(() -> {
            MConnection m = MConnection.builder(channel).channels(CHANNELS).config(CONFIG).onReceive(receiver).start();
            c.handOff();
            return m;
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anEstablishedPeerKeepsItsLatencyWhileOthersLoopHandshakes() throws Exception {
        EventLoopGroup listenerLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup dialerLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        NodeKey serverKey = NodeKey.generate();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> attackers = new ArrayList<>();
        try (Transport server = transport(serverKey, listenerLoop); Transport client = transport(NodeKey.generate(), dialerLoops);
                Transport attacker = transport(NodeKey.generate(), dialerLoops)) {
            CompletableFuture<UpgradedConnection> first = new CompletableFuture<>();
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> upgrade.whenComplete((c, e) -> {
                if (c != null && !first.complete(c)) {
                    c.channel().close(); // an attacker's: done with it
                }
            }));
            NetAddress address = new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort());
            UpgradedConnection out = client.dial(address).get(10, TimeUnit.SECONDS);
            BlockingQueue<Long> latencies = new LinkedBlockingQueue<>();
            start(first.get(10, TimeUnit.SECONDS), Latency.stamping(latencies));
            MConnection sender = start(out, (id, msg) -> { });
            Latency.p99(sender, CHANNEL, latencies, 300, LIMIT); // warm-up
            long baseline = Latency.p99(sender, CHANNEL, latencies, 1_000, LIMIT);

            AtomicInteger handshakes = new AtomicInteger();
            for (int i = 0; i < 4; i++) {
                attackers.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < 100_000 && !stop.get(); n++) {
                        try {
                            attacker.dial(address).get(10, TimeUnit.SECONDS).channel().close();
                            handshakes.incrementAndGet();
                        } catch (Exception e) {
                            return;
                        }
                    }
                }));
            }
            long start = System.nanoTime();
            long during = Latency.p99(sender, CHANNEL, latencies, 1_000, LIMIT);
            double seconds = (System.nanoTime() - start) / 1e9;
            stop.set(true);
            for (Thread t : attackers) {
                t.join(TimeUnit.SECONDS.toMillis(20));
            }
            System.out.printf("established peer p99 %.2f ms alone, %.2f ms while others completed %d handshakes"
                    + " (%.0f/s)%n", baseline / 1e6, during / 1e6, handshakes.get(), handshakes.get() / seconds);
            assertThat(handshakes.get()).isPositive();
        } finally {
            stop.set(true);
            listenerLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            dialerLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
