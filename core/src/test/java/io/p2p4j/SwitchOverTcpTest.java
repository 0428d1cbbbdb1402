package io.p2p4j;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.testing.ConnectedSwitches;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The {@link SwitchTest} contract over loopback TCP, and what only TCP has: peers told apart by
 * their IP address. (Raw hostile bytes and slow readers on real sockets are in
 * SwitchHostilePeerTest; a port that cannot be bound and raw refused sockets in
 * SwitchLifecycleTest.)
 */
class SwitchOverTcpTest extends SwitchTest {
    @Override
    TransportKind kind() {
        return TransportKind.TCP;
    }

    @Override
    EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @Test
    void aSecondPeerFromOneIpIsRefusedUnlessDuplicateIpsAreAllowed() throws Exception {
        Node hub = node(ConnectedSwitches.testConfig().withAllowDuplicateIp(false), "test-chain");
        Node first = node();
        Node second = node();
        first.sw().dial(hub.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.sw().peers().has(first.sw().id()));
        second.sw().dial(hub.sw().listenAddress()).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.refused().stream()
                .anyMatch(e -> e.getMessage().contains("duplicate IP 127.0.0.1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> second.sw().peers().size() == 0);
        assertThat(hub.sw().peers().list()).extracting(Peer::id).containsExactly(first.sw().id());
        // the default of the test config allows them
        Node lenient = node();
        first.sw().dial(lenient.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        second.sw().dial(lenient.sw().listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> lenient.sw().peers().size() == 2);
    }
}
