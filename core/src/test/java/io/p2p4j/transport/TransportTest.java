package io.p2p4j.transport;

import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2p4j.identity.NetAddress;
import io.netty.channel.ChannelOption;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The TCP transport end to end: a dial and an accept upgraded to authenticated connections. */
class TransportTest {

    static Transport transport(NodeKey key, int socketBufferBytes) {
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {0x42}, "t");
        return new Transport(TransportKind.TCP, key, () -> info,
                new Transport.Settings(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(1), socketBufferBytes),
                List.of());
    }

    @Test
    void socketBuffersAreCappedOnBothEndsWhenConfigured() throws Exception {
        int cap = 32 * 1024; // below both of Linux's defaults (16 KiB send is raised, 128 KiB receive lowered)
        NodeKey serverKey = NodeKey.generate();
        NodeKey clientKey = NodeKey.generate();
        try (Transport server = transport(serverKey, cap); Transport client = transport(clientKey, cap)) {
            CompletableFuture<UpgradedConnection> inbound = new CompletableFuture<>();
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> upgrade.whenComplete((c, e) -> {
                if (e != null) {
                    inbound.completeExceptionally(e);
                } else {
                    inbound.complete(c);
                }
            }));
            UpgradedConnection outbound = client.dial(new io.p2p4j.identity.NetAddress(serverKey.id(), "127.0.0.1", bound.getPort()))
                    .get(10, TimeUnit.SECONDS);
            UpgradedConnection accepted = inbound.get(10, TimeUnit.SECONDS);
            assertThat(outbound.id()).isEqualTo(serverKey.id());
            assertThat(accepted.id()).isEqualTo(clientKey.id());
            for (UpgradedConnection c : List.of(outbound, accepted)) {
                // the kernel reports twice what was set (its bookkeeping overhead), and never less
                assertThat(c.channel().config().getOption(ChannelOption.SO_RCVBUF)).isBetween(cap, 2 * cap);
                assertThat(c.channel().config().getOption(ChannelOption.SO_SNDBUF)).isBetween(cap, 2 * cap);
            }
        }
    }

    /**
     * The switch redials persistent peers from its one timer thread: a host name whose lookup
     * hangs must not hold up the dials behind it. One thread dials a host whose lookup blocks
     * until released, then a listening transport on 127.0.0.1: the second connects while the
     * first is still being looked up.
     */
    @Test
    void aHangingHostNameLookupHoldsUpNoOtherDialFromTheSameThread() throws Exception {
        NodeKey serverKey = NodeKey.generate();
        java.util.concurrent.CountDownLatch lookingUp = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService timer = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Transport server = transport(serverKey, 0); Transport client = transport(NodeKey.generate(), 0)) {
            client.resolver = host -> {
                if (host.equals("hanging.example")) {
                    lookingUp.countDown();
                    release.await();
                }
                return java.net.InetAddress.getLoopbackAddress();
            };
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> { });
            java.util.concurrent.Future<CompletableFuture<UpgradedConnection>> hanging = timer.submit(
                    () -> client.dial(new NetAddress(NodeKey.generate().id(), "hanging.example", bound.getPort())));
            java.util.concurrent.Future<CompletableFuture<UpgradedConnection>> reachable = timer.submit(
                    () -> client.dial(new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort())));
            assertThat(lookingUp.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(reachable.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS).id()).isEqualTo(serverKey.id());
            assertThat(hanging.get(10, TimeUnit.SECONDS)).isNotDone(); // still looking the name up
            release.countDown();
            // looked up at last: it reaches the server, which is not the id dialed
            assertThatThrownBy(() -> hanging.get().get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(HandshakeException.class)
                    .hasMessageContaining("authenticated as");
        } finally {
            release.countDown();
            timer.shutdownNow();
        }
    }

    /** A lookup that outlasts the dial limit fails the dial, naming the host and the limit. */
    @Test
    void aHostNameLookupLongerThanTheDialLimitFailsTheDial() throws Exception {
        NodeKey key = NodeKey.generate();
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {0x42}, "t");
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (Transport client = new Transport(TransportKind.TCP, key, () -> info,
                new Transport.Settings(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(1)), List.of())) {
            client.resolver = host -> {
                release.await();
                return java.net.InetAddress.getLoopbackAddress();
            };
            // dialed from a thread of its own, so a dial that blocks its caller fails here rather than hangs the test
            CompletableFuture<UpgradedConnection> dial = CompletableFuture.supplyAsync(
                    () -> client.dial(new NetAddress(NodeKey.generate().id(), "hanging.example", 26656)),
                    java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).thenCompose(f -> f);
            assertThatThrownBy(() -> dial.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(HandshakeException.class)
                    .hasMessageContaining("looking up hanging.example took longer than the dial limit of 200 ms");
        } finally {
            release.countDown();
        }
    }
}
