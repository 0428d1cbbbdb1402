package io.p2p4j.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.conn.ChannelStatus;
import io.p2p4j.conn.ConnectionStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The node's status over HTTP: {@code /net_info}, {@code /status} and {@code /health} in the shape
 * of CometBFT's RPC (for what p2p4j has: node info, peers, health), {@code /metrics}
 * for Prometheus, {@code /network} (every switch of this process and their connections, for the
 * demo's drawing) and {@code /} a small page that shows all of it and refreshes itself.
 */
final class StatusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;

    private StatusServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Serves the status of {@code switches}: {@code /net_info} and the page's peer table describe
     * the first, {@code /network} all of them.
     */
    static StatusServer start(InetSocketAddress address, List<Switch> switches, NodeMetrics metrics) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/net_info", exchange -> reply(exchange, "application/json",
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(netInfo(switches.get(0)))));
        server.createContext("/status", exchange -> reply(exchange, "application/json",
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status(switches.get(0)))));
        server.createContext("/health", exchange -> reply(exchange, "application/json",
                JSON.writeValueAsString(rpcReply(JSON.createObjectNode()))));
        server.createContext("/network", exchange -> reply(exchange, "application/json",
                JSON.writeValueAsString(network(switches))));
        server.createContext("/metrics", exchange -> reply(exchange, "text/plain; version=0.0.4; charset=utf-8",
                metrics == null ? "" : metrics.scrape()));
        server.createContext("/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                reply(exchange, 404, "text/plain", "not found");
                return;
            }
            try (InputStream in = StatusServer.class.getResourceAsStream("/status.html")) {
                reply(exchange, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        });
        server.start();
        return new StatusServer(server);
    }

    /** The bound address (the real port when 0 was asked for). */
    InetSocketAddress address() {
        return server.getAddress();
    }

    static ObjectNode netInfo(Switch sw) {
        ObjectNode result = JSON.createObjectNode();
        result.put("listening", sw.listenAddress() != null);
        // CometBFT's node lists its configured external address here, empty or not
        result.putArray("listeners").add("Listener(@" + sw.config().externalAddress() + ")");
        List<Peer> peers = sw.peers().list();
        result.put("n_peers", String.valueOf(peers.size()));
        ArrayNode list = result.putArray("peers");
        for (Peer peer : peers) {
            ObjectNode p = list.addObject();
            p.set("node_info", nodeInfo(peer.nodeInfo()));
            p.put("is_outbound", peer.isOutbound());
            ConnectionStatus status = peer.status().connection();
            ObjectNode cs = p.putObject("connection_status");
            if (status != null) {
                cs.put("Duration", String.valueOf(status.duration().toNanos()));
                cs.set("SendMonitor", monitor(status.duration(), status.bytesSent(), status.sendRate()));
                cs.set("RecvMonitor", monitor(status.duration(), status.bytesReceived(), status.recvRate()));
                ArrayNode channels = cs.putArray("Channels");
                for (ChannelStatus c : status.channels()) {
                    channels.addObject().put("ID", c.id()).put("SendQueueCapacity", String.valueOf(c.sendQueueCapacity()))
                            .put("SendQueueSize", String.valueOf(c.sendQueueSize())).put("Priority", String.valueOf(c.priority()))
                            .put("RecentlySent", String.valueOf(c.recentlySent()))
                            .put("BytesSent", String.valueOf(c.bytesSent())).put("BytesReceived", String.valueOf(c.bytesReceived()))
                            .put("MessagesSent", String.valueOf(c.messagesSent()))
                            .put("MessagesReceived", String.valueOf(c.messagesReceived()));
                }
            }
            p.put("remote_ip", peer.remoteAddress().host());
        }
        return rpcReply(result);
    }

    /** A JSON-RPC reply as CometBFT's RPC sends for a GET. */
    private static ObjectNode rpcReply(ObjectNode result) {
        ObjectNode wrapper = JSON.createObjectNode();
        wrapper.put("jsonrpc", "2.0");
        wrapper.put("id", -1);
        wrapper.set("result", result);
        return wrapper;
    }

    /**
     * {@code /status}: CometBFT's {@code node_info}; {@code sync_info} and {@code validator_info}
     * are left out, since p2p4j has no blocks and no validator key.
     */
    static ObjectNode status(Switch sw) {
        ObjectNode result = JSON.createObjectNode();
        result.set("node_info", nodeInfo(sw.nodeInfo()));
        return rpcReply(result);
    }

    /**
     * A flowrate monitor as CometBFT's /net_info shows it, from what p2p4j measures: bytes, the
     * current rate (also the instant and peak rate, which p2p4j does not keep apart) and the
     * average over the connection's life. BytesRem, TimeRem and Progress are 0 as in CometBFT
     * (its transfers have no set size); Samples and Idle, which p2p4j does not track, are 0.
     */
    private static ObjectNode monitor(java.time.Duration age, long bytes, long rate) {
        long seconds = Math.max(1, age.toSeconds());
        ObjectNode m = JSON.createObjectNode();
        m.put("Start", java.time.Instant.now().minus(age).truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
        m.put("Bytes", String.valueOf(bytes));
        m.put("Samples", "0");
        m.put("InstRate", String.valueOf(rate));
        m.put("CurRate", String.valueOf(rate));
        m.put("AvgRate", String.valueOf(bytes / seconds));
        m.put("PeakRate", String.valueOf(rate));
        m.put("BytesRem", "0");
        m.put("Duration", String.valueOf(age.toNanos()));
        m.put("Idle", "0");
        m.put("TimeRem", "0");
        m.put("Progress", 0);
        m.put("Active", true);
        return m;
    }

    private static ObjectNode nodeInfo(NodeInfo info) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("protocol_version").put("p2p", String.valueOf(info.protocolVersion().p2p()))
                .put("block", String.valueOf(info.protocolVersion().block()))
                .put("app", String.valueOf(info.protocolVersion().app()));
        n.put("id", info.id().hex());
        n.put("listen_addr", info.listenAddr());
        n.put("network", info.network());
        n.put("version", info.version());
        n.put("channels", HexFormat.of().formatHex(info.channels()));
        n.put("moniker", info.moniker());
        n.putObject("other").put("tx_index", info.txIndex()).put("rpc_address", info.rpcAddress());
        return n;
    }

    /**
     * Every switch of this process and each peer they have, and their connections: a demo's
     * switches are all here and each connection is listed once, by its dialer; a real node's
     * peers are elsewhere, so they are listed as nodes ({@code "local": false}) with their
     * connections in both directions, so that the page can draw both ends of every link.
     */
    static ObjectNode network(List<Switch> switches) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode nodes = out.putArray("nodes");
        ArrayNode links = out.putArray("links");
        java.util.Set<String> local = new java.util.HashSet<>();
        for (Switch sw : switches) {
            local.add(sw.id().hex());
            nodes.addObject().put("id", sw.id().hex()).put("moniker", sw.nodeInfo().moniker())
                    .put("network", sw.nodeInfo().network()).put("peers", sw.peers().size()).put("local", true);
        }
        java.util.Set<String> listed = new java.util.HashSet<>(local);
        for (Switch sw : switches) {
            for (Peer peer : sw.peers().list()) {
                String id = peer.id().hex();
                boolean isLocal = local.contains(id);
                if (!isLocal && listed.add(id)) {
                    nodes.addObject().put("id", id).put("moniker", peer.nodeInfo().moniker())
                            .put("network", peer.nodeInfo().network()).put("local", false);
                }
                if (peer.isOutbound() || !isLocal) {
                    ConnectionStatus status = peer.status().connection();
                    links.addObject().put("from", peer.isOutbound() ? sw.id().hex() : id)
                            .put("to", peer.isOutbound() ? id : sw.id().hex())
                            .put("bytes", status == null ? 0 : status.bytesSent() + status.bytesReceived())
                            .put("channels", channelSummary(status));
                }
            }
        }
        return out;
    }

    private static String channelSummary(ConnectionStatus status) {
        if (status == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (ChannelStatus c : status.channels()) {
            if (c.bytesSent() + c.bytesReceived() > 0) {
                s.append(ChannelDescriptor.format(c.id())).append(' ').append(c.bytesSent() + c.bytesReceived()).append("B ");
            }
        }
        return s.toString().trim();
    }

    private static void reply(HttpExchange exchange, String type, String body) throws IOException {
        reply(exchange, 200, type, body);
    }

    private static void reply(HttpExchange exchange, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
