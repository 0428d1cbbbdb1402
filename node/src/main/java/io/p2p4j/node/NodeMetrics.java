package io.p2p4j.node;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2p4j.ChannelDescriptor;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.SwitchListener;
import io.p2p4j.conn.ChannelStatus;
import io.p2p4j.conn.ConnectionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The node's Prometheus metrics, with CometBFT's p2p names: {@code cometbft_p2p_peers},
 * {@code cometbft_p2p_peer_receive_bytes_total} and {@code cometbft_p2p_peer_send_bytes_total}
 * per peer and channel, {@code cometbft_p2p_peer_pending_send_bytes} per peer. The core library
 * knows nothing of Micrometer: this listens to the switch.
 */
final class NodeMetrics implements SwitchListener {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Peer, List<Meter>> perPeer = new ConcurrentHashMap<>();

    void bind(Switch sw) {
        Gauge.builder("cometbft.p2p.peers", sw, s -> s.peers().size()).description("Number of peers.")
                .tag("chain_id", sw.nodeInfo().network()).register(registry);
        // p2p4j's own: CometBFT has no count of unauthenticated connections
        Gauge.builder("p2p4j.p2p.pending.handshakes", sw, Switch::pendingHandshakes)
                .description("Inbound connections accepted and still in their handshake.")
                .tag("chain_id", sw.nodeInfo().network()).register(registry);
    }

    @Override
    public void peerAdded(Peer peer) {
        List<Meter> meters = new ArrayList<>();
        ConnectionStatus status = peer.status().connection();
        if (status != null) {
            for (ChannelStatus channel : status.channels()) {
                Tags tags = Tags.of("peer_id", peer.id().hex(), "chID", ChannelDescriptor.format(channel.id()));
                int id = channel.id();
                meters.add(FunctionCounter.builder("cometbft.p2p.peer.receive.bytes", peer,
                        channelValue(id, ChannelStatus::bytesReceived)).tags(tags)
                        .description("Number of bytes received from a given peer.").register(registry));
                meters.add(FunctionCounter.builder("cometbft.p2p.peer.send.bytes", peer,
                        channelValue(id, ChannelStatus::bytesSent)).tags(tags)
                        .description("Number of bytes sent to a given peer.").register(registry));
            }
        }
        meters.add(Gauge.builder("cometbft.p2p.peer.pending.send.bytes", peer, NodeMetrics::pendingBytes)
                .tag("peer_id", peer.id().hex()).description("Pending bytes to be sent to a given peer.")
                .register(registry));
        perPeer.put(peer, meters);
    }

    @Override
    public void peerRemoved(Peer peer, Throwable reason) {
        List<Meter> meters = perPeer.remove(peer);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    private static ToDoubleFunction<Peer> channelValue(int id, ToDoubleFunction<ChannelStatus> field) {
        return peer -> {
            ConnectionStatus status = peer.status().connection();
            ChannelStatus channel = status == null ? null : status.channel(id);
            return channel == null ? 0 : field.applyAsDouble(channel);
        };
    }

    private static double pendingBytes(Peer peer) {
        ConnectionStatus status = peer.status().connection();
        return status == null ? 0 : status.channels().stream().mapToLong(ChannelStatus::sendQueueBytes).sum();
    }
}
