package io.p2p4j.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.SwitchListener;
import io.p2p4j.conn.ChannelStatus;
import io.p2p4j.conn.ConnectionStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The node's Prometheus metrics, with CometBFT v0.38's p2p names, labels and meanings where the
 * metric exists in both: {@code cometbft_p2p_peers}; per peer and channel
 * {@code cometbft_p2p_peer_receive_bytes_total} and {@code cometbft_p2p_peer_send_bytes_total}
 * (a series appears once its channel has carried something, as CometBFT's do); per peer
 * {@code cometbft_p2p_peer_pending_send_bytes} (as in CometBFT, the number of messages waiting in
 * the peer's send queues, despite the name); per message type
 * {@code cometbft_p2p_message_receive_bytes_total} and {@code cometbft_p2p_message_send_bytes_total},
 * with the type named by the channel's reactor ({@link io.p2p4j.Reactor#messageType}: PEX's as
 * CometBFT's, {@code p2p_PexRequest} and {@code p2p_PexAddrs}). Every series carries
 * {@code chain_id}; channel labels are written as Go's {@code %#x} ({@code 0x0}, {@code 0x20}).
 * The byte counters count message bytes, as CometBFT's: a message sent when it is queued, a
 * message received when it has arrived whole, never the packets' framing. p2p4j adds the JVM's
 * and the process's metrics ({@code jvm_*}, {@code process_*}, {@code system_*}). The core library
 * knows nothing of Micrometer: this listens to the switch and reads its peers' status.
 */
final class NodeMetrics implements SwitchListener {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Per peer, the meters registered for it, removed when it leaves. */
    private final Map<Peer, List<Meter>> perPeer = new ConcurrentHashMap<>();
    /** Per peer, the "send"/"receive" + channel series registered so far. */
    private final Map<Peer, Set<String>> channelSeries = new ConcurrentHashMap<>();
    /** Per message type, the bytes sent and received; never removed, as CometBFT's. */
    private final Map<String, Counter> sentByType = new ConcurrentHashMap<>();
    private final Map<String, Counter> receivedByType = new ConcurrentHashMap<>();

    /** @param chainId the network, a label of every series as CometBFT's instrumentation adds it */
    NodeMetrics(String chainId) {
        registry.config().commonTags("chain_id", chainId);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    void bind(Switch sw) {
        Gauge.builder("cometbft.p2p.peers", sw, s -> s.peers().size()).description("Number of peers.").register(registry);
        // p2p4j's own: CometBFT has no count of unauthenticated connections
        Gauge.builder("p2p4j.p2p.pending.handshakes", sw, Switch::pendingHandshakes)
                .description("Inbound connections accepted and still in their handshake.").register(registry);
    }

    /** Go's {@code %#x}: 0x0, 0x20, 0x70. */
    static String channelLabel(int id) {
        return "0x" + Integer.toHexString(id);
    }

    /** The Prometheus text, with the series of channels that carried something since the last scrape added. */
    String scrape() {
        perPeer.keySet().forEach(this::registerUsedChannels);
        return registry.scrape();
    }

    @Override
    public void peerAdded(Peer peer) {
        List<Meter> meters = new CopyOnWriteArrayList<>();
        perPeer.put(peer, meters);
        channelSeries.put(peer, ConcurrentHashMap.newKeySet());
        meters.add(Gauge.builder("cometbft.p2p.peer.pending.send.bytes", peer, NodeMetrics::queuedMessages)
                .tag("peer_id", peer.id().hex()).description("Pending bytes to be sent to a given peer.")
                .register(registry));
    }

    @Override
    public void peerRemoved(Peer peer, Throwable reason) {
        channelSeries.remove(peer);
        List<Meter> meters = perPeer.remove(peer);
        if (meters != null) {
            meters.forEach(registry::remove);
        }
    }

    private void registerUsedChannels(Peer peer) {
        ConnectionStatus status = peer.status().connection();
        List<Meter> meters = perPeer.get(peer);
        Set<String> registered = channelSeries.get(peer);
        if (status == null || meters == null || registered == null) {
            return;
        }
        for (ChannelStatus channel : status.channels()) {
            int id = channel.id();
            if (channel.messageBytesReceived() > 0 && registered.add("receive " + id)) {
                meters.add(FunctionCounter.builder("cometbft.p2p.peer.receive.bytes", peer,
                                channelValue(id, ChannelStatus::messageBytesReceived))
                        .tags("peer_id", peer.id().hex(), "chID", channelLabel(id))
                        .description("Number of bytes received from a given peer.").register(registry));
            }
            if (channel.messageBytesQueued() > 0 && registered.add("send " + id)) {
                meters.add(FunctionCounter.builder("cometbft.p2p.peer.send.bytes", peer,
                                channelValue(id, ChannelStatus::messageBytesQueued))
                        .tags("peer_id", peer.id().hex(), "chID", channelLabel(id))
                        .description("Number of bytes sent to a given peer.").register(registry));
            }
        }
    }

    /** Counts a message queued for a peer, on the sending thread. */
    @Override
    public void messageSent(Peer peer, byte channelId, String messageType, int bytes) {
        byType(sentByType, "cometbft.p2p.message.send.bytes", "sent", messageType).increment(bytes);
    }

    /** Counts a message handed to its reactor, on the peer's delivering thread. */
    @Override
    public void messageReceived(Peer peer, byte channelId, String messageType, int bytes) {
        byType(receivedByType, "cometbft.p2p.message.receive.bytes", "received", messageType).increment(bytes);
    }

    /** The counter of a message type: a map look-up once the type was seen, nothing allocated. */
    private Counter byType(Map<String, Counter> counters, String name, String verb, String messageType) {
        Counter counter = counters.get(messageType);
        if (counter == null) {
            counter = counters.computeIfAbsent(messageType, type -> Counter.builder(name).tag("message_type", type)
                    .description("Number of bytes of each message type " + verb + ".").register(registry));
        }
        return counter;
    }

    private static ToDoubleFunction<Peer> channelValue(int id, ToDoubleFunction<ChannelStatus> field) {
        return peer -> {
            ConnectionStatus status = peer.status().connection();
            ChannelStatus channel = status == null ? null : status.channel(id);
            return channel == null ? 0 : field.applyAsDouble(channel);
        };
    }

    /** What CometBFT reports as pending send bytes: the sum of its channels' send queue sizes, in messages. */
    private static double queuedMessages(Peer peer) {
        ConnectionStatus status = peer.status().connection();
        return status == null ? 0 : status.channels().stream().mapToLong(ChannelStatus::sendQueueSize).sum();
    }
}
