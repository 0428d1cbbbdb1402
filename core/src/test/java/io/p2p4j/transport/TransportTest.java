package io.p2p4j.transport;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;

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
}
