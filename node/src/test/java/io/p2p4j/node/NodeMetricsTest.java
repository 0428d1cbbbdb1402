package io.p2p4j.node;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.testing.ConnectedSwitches;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node's Prometheus series count what CometBFT v0.38's count: message payload bytes per peer
 * and channel, and per message type, whatever the packets that carried them.
 */
@Timeout(60)
class NodeMetricsTest {
    private static final String CHAIN = "metrics-chain";

    @Test
    void aThousandByteMessageEachWayAddsExactlyAThousandBytesToEveryByteCounter() throws Exception {
        NodeMetrics metrics = new NodeMetrics(CHAIN);
        GossipReactor[] gossip = {new GossipReactor(), new GossipReactor()};
        try (ConnectedSwitches net = ConnectedSwitches.create(2, TransportKind.TCP, (i, b) -> {
            b.reactor("gossip", gossip[i]);
            if (i == 0) {
                b.listener(metrics);
            }
        })) {
            metrics.bind(net.get(0));
            Peer toOther = net.get(0).peers().list().get(0);
            Peer toUs = net.get(1).peers().list().get(0);
            byte[] ours = new byte[1000];
            Arrays.fill(ours, (byte) 1);
            byte[] theirs = new byte[1000];
            Arrays.fill(theirs, (byte) 2);
            assertThat(toOther.send(GossipReactor.CHANNEL, ours)).isTrue();
            assertThat(toUs.send(GossipReactor.CHANNEL, theirs)).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> gossip[0].delivered.get() == 1 && gossip[1].delivered.get() == 1);

            String peer = "peer_id=\"" + toOther.id().hex() + "\"";
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                String text = metrics.scrape();
                assertThat(value(text, "cometbft_p2p_peer_send_bytes_total", "chID=\"0x70\"", peer)).as(text).isEqualTo(1000);
                assertThat(value(text, "cometbft_p2p_peer_receive_bytes_total", "chID=\"0x70\"", peer)).as(text).isEqualTo(1000);
                assertThat(value(text, "cometbft_p2p_message_send_bytes_total", "message_type=\"p2p4j_GossipMessage\"")).as(text)
                        .isEqualTo(1000);
                assertThat(value(text, "cometbft_p2p_message_receive_bytes_total", "message_type=\"p2p4j_GossipMessage\""))
                        .as(text).isEqualTo(1000);
            });
        }
    }

    @Test
    void aFailedSendCountsNothing() throws Exception {
        NodeMetrics metrics = new NodeMetrics(CHAIN);
        try (ConnectedSwitches net = ConnectedSwitches.create(2, TransportKind.TCP, (i, b) -> {
            b.reactor("gossip", new GossipReactor());
            if (i == 0) {
                b.listener(metrics);
            }
        })) {
            Switch sw = net.get(0);
            metrics.bind(sw);
            Peer peer = sw.peers().list().get(0);
            assertThat(peer.send((byte) 0x71, new byte[1000])).as("a channel nobody has").isFalse();
            String text = metrics.scrape();
            assertThat(text).doesNotContain("cometbft_p2p_peer_send_bytes_total{")
                    .doesNotContain("cometbft_p2p_message_send_bytes_total{");
        }
    }

    /** The value of the one series of {@code name} whose labels include every one of {@code labels}, or -1. */
    static double value(String text, String name, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)\\} (\\S+)$").matcher(text);
        double found = -1;
        while (m.find()) {
            String seriesLabels = m.group(1);
            if (Arrays.stream(labels).allMatch(seriesLabels::contains)) {
                assertThat(found).as("one series of %s with %s in%n%s", name, Arrays.toString(labels), text).isEqualTo(-1);
                assertThat(seriesLabels).contains("chain_id=\"" + CHAIN + "\"");
                found = Double.parseDouble(m.group(2));
            }
        }
        return found;
    }
}
