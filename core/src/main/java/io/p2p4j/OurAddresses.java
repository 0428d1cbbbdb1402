package io.p2p4j;

import io.p2p4j.identity.InvalidAddressException;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.transport.Transport;
import io.p2p4j.transport.UpgradedConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switch's addresses: the one in our NodeInfo, the one peers can dial once we listen, and
 * every host:port a dial must refuse as ourselves (the listen and external addresses, and any a
 * dial found to be us).
 *
 * <p>No locks: the two addresses are volatile and written by the switch's start only; the set of
 * host:port pairs is concurrent.
 */
final class OurAddresses {
    /** Logs as the switch, the logger operators know. */
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    private final P2pConfig config;
    private final Set<String> hostPorts = ConcurrentHashMap.newKeySet();
    private volatile NodeInfo nodeInfo;
    private volatile NetAddress listenAddress;

    /** {@code nodeInfo} is ours with any listen address: it gets the configured one here. */
    OurAddresses(NodeInfo nodeInfo, P2pConfig config) {
        this.config = config;
        this.nodeInfo = withListenAddr(nodeInfo, config.externalAddress().isEmpty() ? config.listenAddress()
                : "tcp://" + config.externalAddress());
    }

    /** Our NodeInfo, as sent to peers (with the real listen port once listening). */
    NodeInfo nodeInfo() {
        return nodeInfo;
    }

    /** See {@link Switch#listenAddress()}. */
    NetAddress listenAddress() {
        return listenAddress;
    }

    /** An address of ours: dials to it are refused as dials to ourselves. */
    void add(String host, int port) {
        hostPorts.add(host + ":" + port);
    }

    boolean isOurs(NetAddress address) {
        return hostPorts.contains(address.host() + ":" + address.port());
    }

    /**
     * At the switch's start: takes the external address as ours, and binds the listen address (if
     * it is not empty) with {@code onInbound} hearing each accepted connection.
     *
     * @throws IllegalArgumentException if the listen address is not tcp://host:port
     * @throws IllegalStateException    if it cannot be bound (the message says which address and why)
     */
    void listen(Transport transport, Consumer<CompletableFuture<UpgradedConnection>> onInbound) {
        if (!config.externalAddress().isEmpty()) {
            try {
                NetAddress external = NetAddress.fromHostPort(nodeInfo.id(), config.externalAddress());
                add(external.host(), external.port());
            } catch (InvalidAddressException e) {
                log.warn("external address {} does not parse: {}", config.externalAddress(), e.getMessage());
            }
        }
        if (config.listenAddress().isBlank()) {
            return;
        }
        URI uri = listenUri(config.listenAddress());
        InetSocketAddress bound;
        try {
            bound = transport.listen(uri.getHost(), uri.getPort(), onInbound);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.listenAddress() + ": " + e.getMessage(), e);
        }
        String host = uri.getHost();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        listenAddress = new NetAddress(nodeInfo.id(), host, bound.getPort());
        add(host, bound.getPort());
        if (config.externalAddress().isEmpty()) {
            nodeInfo = withListenAddr(nodeInfo, "tcp://" + uri.getHost() + ":" + bound.getPort());
        }
    }

    private static NodeInfo withListenAddr(NodeInfo info, String listenAddr) {
        return new NodeInfo(info.protocolVersion(), info.id(), listenAddr, info.network(), info.version(),
                info.channels(), info.moniker(), info.txIndex(), info.rpcAddress());
    }

    private static URI listenUri(String address) {
        String withScheme = address.contains("://") ? address : "tcp://" + address;
        URI uri = URI.create(withScheme);
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("listen address must be tcp://host:port, got " + address);
        }
        return uri;
    }
}
