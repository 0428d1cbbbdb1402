package io.p2p4j.transport;

import io.p2p4j.net.TransportKind;
import io.p2p4j.net.HandshakeException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.testkit.HostilePeer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Handshakes cannot pile up or be stretched (issue 10, item 4): raw TCP connections that never
 * speak, from several loopback addresses, never hold more than the caps of pending handshakes;
 * the excess from one address is closed before any byte of the handshake is sent; past the total,
 * the oldest pending connection of the address holding the most is closed to make room; the
 * admitted ones are closed within the handshake timeout plus a margin; and a real peer connects
 * meanwhile, even while silent connections from enough addresses hold every slot.
 */
class PendingHandshakesTest {
    private static final Duration HANDSHAKE = Duration.ofSeconds(1);
    /** Scheduling slack on a loaded two-core machine; the handshake timeout is what is checked. */
    private static final Duration MARGIN = Duration.ofSeconds(1);

    private static Transport transport(NodeKey key, int maxPending, int maxPendingPerIp, SecureUpgrade upgrade) {
        return transport(key, maxPending, maxPendingPerIp, upgrade, HANDSHAKE);
    }

    private static Transport transport(NodeKey key, int maxPending, int maxPendingPerIp, SecureUpgrade upgrade,
            Duration handshake) {
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {0x42}, "t");
        return new Transport(TransportKind.TCP, key, () -> info,
                new Transport.Settings(Duration.ofSeconds(1), handshake, Duration.ofSeconds(1), 0, maxPending, maxPendingPerIp),
                List.of(), null, upgrade);
    }

    /** What became of a silent connection: the bytes it got, and when it was closed after it opened. */
    private record Outcome(int bytesReceived, long closedAfterMillis) { }

    /**
     * Opens {@code perIp} silent connections from each of {@code ips} loopback addresses, round
     * robin, each watched by a virtual thread that reads it to its end.
     */
    private static List<CompletableFuture<Outcome>> openSilent(InetSocketAddress server, int ips, int perIp)
            throws IOException {
        return openSilent(server, 1, ips, perIp);
    }

    /** The same from 127.0.{@code net}.1, 127.0.{@code net}.2, ... */
    private static List<CompletableFuture<Outcome>> openSilent(InetSocketAddress server, int net, int ips, int perIp)
            throws IOException {
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        for (int round = 0; round < perIp; round++) {
            for (int ip = 0; ip < ips; ip++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, (byte) net, (byte) (ip + 1)}), 0));
                socket.connect(server, 5_000);
                long opened = System.nanoTime();
                CompletableFuture<Outcome> outcome = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> outcome.complete(readToEnd(socket, opened)));
                outcomes.add(outcome);
            }
        }
        return outcomes;
    }

    private static Outcome readToEnd(Socket socket, long openedNanos) {
        int bytes = 0;
        try (socket) {
            socket.setSoTimeout((int) (HANDSHAKE.toMillis() * 5));
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[256];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                bytes += n;
            }
        } catch (SocketTimeoutException e) {
            bytes = -1; // never closed: the assertions say so
        } catch (IOException reset) {
            // a reset ends it as well as a FIN
        }
        return new Outcome(bytes, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos));
    }

    private static List<Outcome> all(List<CompletableFuture<Outcome>> outcomes) {
        return outcomes.stream().map(f -> f.orTimeout(30, TimeUnit.SECONDS).join()).toList();
    }

    @Test
    void silentConnectionsFromTenAddressesHoldAtMostFourEachAndARealPeerConnectsMeanwhile() throws Exception {
        NodeKey serverKey = NodeKey.generate();
        NodeKey clientKey = NodeKey.generate();
        try (Transport server = transport(serverKey, 64, 4, SecureUpgrade.SECRET_CONNECTION);
                Transport client = transport(clientKey, 64, 4, SecureUpgrade.SECRET_CONNECTION)) {
            List<Throwable> refused = new CopyOnWriteArrayList<>();
            AtomicInteger upgraded = new AtomicInteger();
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> upgrade.whenComplete((c, e) -> {
                if (e != null) {
                    refused.add(e);
                } else {
                    upgraded.incrementAndGet();
                }
            }));
            List<CompletableFuture<Outcome>> sockets = openSilent(bound, 10, 30);
            // the attack is in place: a real peer from another address still gets through at once
            long dialStart = System.nanoTime();
            UpgradedConnection real = client.dial(new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort()))
                    .get(5, TimeUnit.SECONDS);
            long dialMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dialStart);
            List<Outcome> outcomes = all(sockets);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.pendingHandshakes() == 0);
            report("10 addresses x 30, caps 64 / 4", outcomes, server.pendingHandshakesPeak(), dialMillis);

            assertThat(real.id()).isEqualTo(serverKey.id());
            assertThat(dialMillis).as("a real peer's dial during the attack").isLessThan(1_000);
            assertThat(server.pendingHandshakesPeak()).isLessThanOrEqualTo(10 * 4 + 1); // and the real peer
            assertAdmittedAndRefused(outcomes);
            await().atMost(Duration.ofSeconds(5)).until(() -> upgraded.get() == 1);
            real.channel().close();
        }
    }

    @Test
    void silentConnectionsFromFortyAddressesHoldAtMostTheTotalCapAndTheNewestPushOutTheOldest() throws Exception {
        NodeKey serverKey = NodeKey.generate();
        try (Transport server = transport(serverKey, 16, 4, SecureUpgrade.SECRET_CONNECTION)) {
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> { });
            List<Outcome> outcomes = all(openSilent(bound, 40, 8));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.pendingHandshakes() == 0);
            report("40 addresses x 8, caps 16 / 4", outcomes, server.pendingHandshakesPeak(), -1);
            System.out.printf("  %d closed to make room for a newer one%n", server.pendingHandshakesEvicted());
            assertThat(server.pendingHandshakesPeak()).isLessThanOrEqualTo(16);
            // no address reaches 4 pending (the room is taken from the address holding the most),
            // so none is refused: each one past the 16th pushes out an older one instead
            assertThat(server.pendingHandshakesEvicted()).isPositive();
            assertThat(outcomes).allSatisfy(o -> {
                assertThat(o.bytesReceived()).as("closed, with our key or nothing").isIn(0, 35);
                assertThat(o.closedAfterMillis()).isLessThanOrEqualTo(HANDSHAKE.plus(MARGIN).toMillis());
            });
        }
    }

    @Test
    void aRealPeerGetsInWhileSilentConnectionsFromTwentyAddressesHoldEverySlot() throws Exception {
        // 20 addresses x 4 silent connections fill the 64 slots and stay (10 s timeout): refusing
        // the newcomer kept every other peer out until they timed out; now the real peer takes
        // the place of the oldest connection of an address holding 4, and gets in at once
        Duration longHandshake = Duration.ofSeconds(10);
        NodeKey serverKey = NodeKey.generate();
        NodeKey clientKey = NodeKey.generate();
        try (Transport server = transport(serverKey, 64, 4, SecureUpgrade.SECRET_CONNECTION, longHandshake);
                Transport client = transport(clientKey, 64, 4, SecureUpgrade.SECRET_CONNECTION)) {
            AtomicInteger upgraded = new AtomicInteger();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            InetSocketAddress bound = server.listen("127.0.0.1", 0, upgrade -> upgrade.whenComplete((c, e) -> {
                if (e != null) {
                    failures.add(e);
                } else {
                    upgraded.incrementAndGet();
                }
            }));
            openSilent(bound, 2, 20, 4);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.pendingHandshakes() == 64
                    && server.pendingHandshakesEvicted() == 80 - 64);
            long dialStart = System.nanoTime();
            UpgradedConnection real = client.dial(new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort()))
                    .get(5, TimeUnit.SECONDS);
            long dialMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dialStart);
            System.out.printf("20 addresses x 4 silent connections holding all 64 slots: a real peer's dial %d ms,"
                    + " %d silent ones closed to make room%n", dialMillis, server.pendingHandshakesEvicted());
            assertThat(real.id()).isEqualTo(serverKey.id());
            assertThat(dialMillis).as("a real peer's dial while every slot is held").isLessThan(1_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> upgraded.get() == 1);
            assertThat(server.pendingHandshakesPeak()).isLessThanOrEqualTo(64);
            assertThat(server.pendingHandshakesEvicted()).as("the real peer took a silent one's place").isEqualTo(81 - 64);
            assertThat(failures).hasSize(81 - 64).allSatisfy(e -> assertThat(e).cause()
                    .isInstanceOf(HandshakeException.class)
                    .hasMessage("closed to make room for a newer inbound connection: 64 handshakes pending, the"
                            + " maximum (maxPendingHandshakes 64)"));
            assertThat(server.pendingHandshakes()).isEqualTo(64 - 1);
            real.channel().close();
        }
    }

    /**
     * Every connection ended; a refused one got nothing (closed before any cryptography), an
     * admitted one exactly our 35-byte ephemeral key and was closed within the timeout plus the
     * margin. (How many are admitted in all depends on how fast the machine opens them: the first
     * may time out before the last is opened, making room. The cap is checked on the count.)
     */
    private static void assertAdmittedAndRefused(List<Outcome> outcomes) {
        assertThat(outcomes).allSatisfy(o -> assertThat(o.bytesReceived()).as("closed").isNotNegative());
        List<Outcome> admitted = outcomes.stream().filter(o -> o.bytesReceived() > 0).toList();
        assertThat(admitted).allSatisfy(o -> {
            assertThat(o.bytesReceived()).isEqualTo(35);
            assertThat(o.closedAfterMillis()).isLessThanOrEqualTo(HANDSHAKE.plus(MARGIN).toMillis());
        });
        assertThat(admitted).isNotEmpty();
        assertThat(outcomes.size() - admitted.size()).as("refused before any cryptography").isPositive();
    }

    private static void report(String what, List<Outcome> outcomes, int maxPending, long dialMillis) {
        long admitted = outcomes.stream().filter(o -> o.bytesReceived() > 0).count();
        long slowestClose = outcomes.stream().filter(o -> o.bytesReceived() > 0)
                .mapToLong(Outcome::closedAfterMillis).max().orElse(-1);
        System.out.printf("%s: %d connections, at most %d pending, %d admitted (closed within %d ms of opening),"
                + " %d refused before the handshake, a real peer's dial meanwhile %d ms%n", what, outcomes.size(),
                maxPending, admitted, slowestClose, outcomes.size() - admitted, dialMillis);
    }

    @Test
    void oneDeadlineCoversBothStagesSoAPeerThatFinishesTheFirstLateIsClosedOnTime() throws Exception {
        // our side starts its SecretConnection 600 ms late; the peer then completes it at once and
        // never sends its NodeInfo: with a deadline per stage it would be held for 600 + 1,000 ms
        SecureUpgrade late = (channel, key, timeout, next) -> {
            CompletableFuture<byte[]> done = new CompletableFuture<>();
            channel.eventLoop().schedule(() -> SecureUpgrade.SECRET_CONNECTION.secure(channel, key, timeout, next)
                    .whenComplete((k, e) -> {
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            done.complete(k);
                        }
                    }), 600, TimeUnit.MILLISECONDS);
            return done;
        };
        NodeKey serverKey = NodeKey.generate();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Transport server = transport(serverKey, 64, 4, late)) {
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            InetSocketAddress bound = server.listen("127.0.0.1", 0,
                    upgrade -> upgrade.whenComplete((c, e) -> failure.complete(e)));
            long start = System.nanoTime();
            HostilePeer peer = HostilePeer.connect(group, new NetAddress(serverKey.id(), "127.0.0.1", bound.getPort()),
                    NodeKey.generate(), true);
            await().atMost(Duration.ofSeconds(5)).until(() -> !peer.isOpen());
            long closedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("a peer that finished the SecretConnection at 600 ms and sent no NodeInfo was closed"
                    + " after %d ms (timeout %d ms)%n", closedMillis, HANDSHAKE.toMillis());
            assertThat(closedMillis).isLessThanOrEqualTo(HANDSHAKE.plus(Duration.ofMillis(300)).toMillis());
            assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(java.util.concurrent.CompletionException.class)
                    .cause().isInstanceOf(HandshakeException.class)
                    .hasMessage("handshake (SecretConnection and NodeInfo) did not complete within 1000 ms");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
