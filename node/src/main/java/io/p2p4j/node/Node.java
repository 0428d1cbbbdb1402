package io.p2p4j.node;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Switch;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.node.NodeConfig.ConfigException;
import io.p2p4j.pex.AddrBook;
import io.p2p4j.pex.PexConfig;
import io.p2p4j.pex.PexReactor;
import io.p2p4j.net.FaultInjection;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running p2p4j node: its key, address book, switch with the PEX and gossip reactors, and the
 * status server. Built from a home folder and its {@link NodeConfig}; {@link #close()} stops it
 * and saves the address book, with PEX on or off.
 */
final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    final Switch sw;
    final AddrBook book;
    final GossipReactor gossip;
    final StatusServer status;
    final NodeMetrics metrics;
    private final HomeLock homeLock;

    private Node(Switch sw, AddrBook book, GossipReactor gossip, StatusServer status, NodeMetrics metrics,
            HomeLock homeLock) {
        this.homeLock = homeLock;
        this.sw = sw;
        this.book = book;
        this.gossip = gossip;
        this.status = status;
        this.metrics = metrics;
    }

    /** Starts a node from a home folder; throws ConfigException for any configuration problem. */
    static Node start(Path home, NodeConfig config, PexConfig pexOverrides) throws ConfigException {
        P2pConfig p2p = p2pConfig(config);
        List<NetAddress> seeds = addresses(config, "p2p.seeds");
        List<NetAddress> persistent = addresses(config, "p2p.persistent_peers");
        boolean pex = config.boolValue("p2p.pex");
        boolean seedMode = config.boolValue("p2p.seed_mode");
        String network = network(home, config);
        PeeringCheck.checkMoniker(config.get("moniker"), config.origin("moniker"));
        NodeKey key = nodeKey(home);
        Path bookFile = home.resolve(config.get("p2p.addr_book_file"));
        AddrBook.Routability routability = config.addrBookRoutability();
        String statusAddress = config.get("p2p4j.status_laddr").trim();
        InetSocketAddress statusSocket = statusAddress.isEmpty() ? null : statusAddress(statusAddress, config.origin("p2p4j.status_laddr"));
        HomeLock homeLock = HomeLock.acquire(home, bookFile);
        try {
            return start(config, p2p, seeds, persistent, pex, seedMode, network, key, bookFile, routability, statusSocket, homeLock,
                    pexOverrides);
        } catch (ConfigException | RuntimeException e) {
            homeLock.close();
            throw e;
        }
    }

    private static Node start(NodeConfig config, P2pConfig p2p, List<NetAddress> seeds, List<NetAddress> persistent,
            boolean pex, boolean seedMode, String network, NodeKey key, Path bookFile, AddrBook.Routability routability,
            InetSocketAddress statusSocket, HomeLock homeLock, PexConfig pexOverrides) throws ConfigException {
        AddrBook book = AddrBook.open(bookFile, routability);
        Set<NodeId> privateIds = ids(config, "p2p.private_peer_ids");
        book.addPrivateIds(privateIds);
        GossipReactor gossip = new GossipReactor();
        NodeMetrics metrics = new NodeMetrics(network);
        PexConfig pexConfig = (pexOverrides == null ? PexConfig.defaults() : pexOverrides)
                .withSeeds(seeds).withSeedMode(seedMode); // its outbound target: the switch's
        Switch.Builder builder = Switch.builder(key, p2p)
                .network(network)
                .moniker(config.get("moniker"))
                .listener(metrics)
                .listener(new PeerLog())
                .listener(new DialLog(seeds, persistent));
        if (pex) {
            builder.reactor("pex", new PexReactor(book, pexConfig));
        }
        builder.reactor("gossip", gossip);
        Switch sw = builder.build();
        PeeringCheck.channelWarning(sw.nodeInfo().channels(), pex).ifPresent(warning -> log.warn("{}", warning));
        try {
            sw.start();
        } catch (IllegalStateException e) {
            sw.close(); // the switch releases its threads itself; closing again says so here
            closeAfterFailedStart(book);
            throw new ConfigException(e.getMessage());
        }
        metrics.bind(sw);
        if (!persistent.isEmpty()) {
            for (NetAddress address : persistent) {
                book.addAddress(address, address);
            }
            sw.addPersistentPeers(persistent);
        }
        StatusServer status = null;
        if (statusSocket != null) {
            try {
                status = StatusServer.start(statusSocket, List.of(sw), metrics);
            } catch (Exception e) {
                sw.close();
                closeAfterFailedStart(book);
                throw new ConfigException("status server cannot listen on " + statusSocket.getHostString() + ":"
                        + statusSocket.getPort() + ": " + Main.describe(e));
            }
        }
        log.info("node {} ({}) on network {} listening on {}", key.id(), config.get("moniker"), network,
                sw.listenAddress());
        FaultInjection faults = sw.config().faultInjection();
        if (faults.enabled()) {
            log.warn("p2p.test_fuzz is on: every connection gets injected faults ({}, from {} s after it opens); for tests only",
                    faults, faults.startAfter().toSeconds());
        }
        return new Node(sw, book, gossip, status, metrics, homeLock);
    }

    /**
     * Closes the book of a node that did not start. It saves too, which rewrites what it read
     * plus the persistent peers added; a failure is logged, since the start's own error is the news.
     */
    private static void closeAfterFailedStart(AddrBook book) {
        try {
            book.close();
        } catch (java.io.IOException e) {
            log.warn("closing the address book {} after a failed start: {}", book.file(), Main.describe(e));
        }
    }

    /** The status server's host:port, checked before anything starts. */
    private static InetSocketAddress statusAddress(String text, String origin) throws ConfigException {
        String key = origin.equals("flag") ? "--status.laddr" : "p2p4j.status_laddr";
        try {
            InetSocketAddress address = parseHostPort(text);
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("unknown host " + address.getHostString());
            }
            return address;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key + " = \"" + text + "\" is not host:port (\"\" turns the status server off)"
                    + (e instanceof NumberFormatException ? "" : ": " + e.getMessage()));
        }
    }

    /**
     * The network to join: genesis.json's chain_id, as for CometBFT. A chain id given as well
     * (flag or {@code [p2p4j] chain_id}) must agree with it; without a genesis file it is the
     * network, and with neither there is none to join.
     */
    static String network(Path home, NodeConfig config) throws ConfigException {
        String given = config.get("p2p4j.chain_id").trim();
        String origin = config.origin("p2p4j.chain_id").equals("flag") ? "--chain-id" : "p2p4j.chain_id";
        Path genesisFile = home.resolve(config.get("genesis_file"));
        if (Files.exists(genesisFile)) {
            String chainId = Genesis.read(genesisFile).chainId();
            if (!given.isEmpty() && !given.equals(chainId)) {
                throw new ConfigException(origin + " \"" + given + "\" disagrees with " + genesisFile + ", whose chain_id is \""
                        + chainId + "\" (the genesis file decides the network; drop " + origin + " or change one)");
            }
            return chainId;
        }
        if (given.isEmpty()) {
            throw new ConfigException(genesisFile + ": no such file, so no network to join (p2p4j init writes one; "
                    + "a CometBFT network's genesis.json goes there, or give --chain-id)");
        }
        try {
            Genesis.checkChainId(given, origin);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        return given;
    }

    /** The home's node key; a home without one was never initialised, and a new key there would be a surprise. */
    private static NodeKey nodeKey(Path home) throws ConfigException {
        Path file = home.resolve("config/node_key.json");
        if (!Files.exists(file)) {
            throw new ConfigException(home + " is not initialised (no config/node_key.json): run p2p4j init --home " + home
                    + " first, or point --home at a CometBFT home");
        }
        try {
            return NodeKey.load(file);
        } catch (Exception e) {
            throw new ConfigException(e.getMessage());
        }
    }

    static P2pConfig p2pConfig(NodeConfig config) throws ConfigException {
        // CometBFT's ValidateBasic refuses negative rates, sizes and peer counts; checked here so
        // the error names the key, not a field of the library
        config.atLeast("p2p.send_rate", 0);
        config.atLeast("p2p.recv_rate", 0);
        config.atLeast("p2p.max_packet_msg_payload_size", 1);
        config.atLeast("p2p.max_num_inbound_peers", 0);
        config.atLeast("p2p.max_num_outbound_peers", 0);
        config.atLeast("p2p4j.socket_buffer_bytes", 0);
        long mailboxReserve = config.atLeast("p2p4j.mailbox_reserve_bytes", 0);
        MConnectionConfig connection = MConnectionConfig.defaults()
                .withSendRate(config.longValue("p2p.send_rate"))
                .withRecvRate(config.longValue("p2p.recv_rate"))
                .withMaxPacketMsgPayloadSize(config.intValue("p2p.max_packet_msg_payload_size"))
                .withFlushThrottle(config.durationValue("p2p.flush_throttle_timeout"))
                .withMaxReassemblyBytes(positiveLong(config, "p2p4j.max_reassembly_bytes"))
                .withMaxPingsPerSecond(atLeastOne(config, "p2p4j.max_pings_per_second"));
        Duration handshakeTimeout = positive(config, "p2p.handshake_timeout");
        Duration dialTimeout = positive(config, "p2p.dial_timeout");
        Duration maxDialPeriod = config.durationValue("p2p.persistent_peers_max_dial_period");
        String laddr = config.get("p2p.laddr");
        try {
            java.net.URI uri = java.net.URI.create(laddr.contains("://") ? laddr : "tcp://" + laddr);
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException("p2p.laddr = \"" + laddr + "\" is not tcp://host:port");
        }
        Set<String> unconditional = new HashSet<>();
        for (NodeId id : ids(config, "p2p.unconditional_peer_ids")) {
            unconditional.add(id.hex());
        }
        Set<String> privateIds = new HashSet<>();
        for (NodeId id : ids(config, "p2p.private_peer_ids")) {
            privateIds.add(id.hex());
        }
        P2pConfig p2p = P2pConfig.defaults()
                .withListen(laddr)
                .withExternalAddress(config.get("p2p.external_address"))
                .withMaxInboundPeers(config.intValue("p2p.max_num_inbound_peers"))
                .withMaxOutboundPeers(config.intValue("p2p.max_num_outbound_peers"))
                .withAllowDuplicateIp(config.boolValue("p2p.allow_duplicate_ip"))
                .withHandshakeTimeout(handshakeTimeout)
                .withDialTimeout(dialTimeout)
                .withUnconditionalPeerIds(unconditional)
                .withPrivatePeerIds(privateIds)
                .withConnection(connection)
                .withSocketBufferBytes(config.intValue("p2p4j.socket_buffer_bytes"))
                .withMailboxReserveBytes(mailboxReserve)
                .withMaxPendingHandshakes(atLeastOne(config, "p2p4j.max_pending_handshakes"),
                        atLeastOne(config, "p2p4j.max_pending_handshakes_per_ip"));
        // CometBFT's "maximum pause when redialing a persistent peer"; zero leaves the backoff uncapped
        return p2p.withReconnect(p2p.reconnect().withMaxInterval(maxDialPeriod)).withFaultInjection(faultInjection(config));
    }

    /** CometBFT's test_fuzz and test_fuzz_config: mode 0 drops (with its probabilities), 1 delays. */
    static FaultInjection faultInjection(NodeConfig config) throws ConfigException {
        if (!config.boolValue("p2p.test_fuzz")) {
            return FaultInjection.off();
        }
        int mode = config.intValue("p2p.test_fuzz_config.mode");
        if (mode != 0 && mode != 1) {
            throw new ConfigException("p2p.test_fuzz_config.mode = " + mode + " must be 0 (drop) or 1 (delay)");
        }
        try {
            return new FaultInjection(true, mode == 0 ? FaultInjection.Mode.DROP : FaultInjection.Mode.DELAY,
                    config.durationValue("p2p.test_fuzz_config.max_delay"),
                    config.doubleValue("p2p.test_fuzz_config.prob_drop_rw"),
                    config.doubleValue("p2p.test_fuzz_config.prob_drop_conn"),
                    config.doubleValue("p2p.test_fuzz_config.prob_sleep"), FaultInjection.off().startAfter());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("p2p.test_fuzz_config: " + e.getMessage());
        }
    }

    private static long positiveLong(NodeConfig config, String key) throws ConfigException {
        long value = config.longValue(key);
        if (value < 1) {
            throw new ConfigException(key + " = " + value + " must be more than zero");
        }
        return value;
    }

    private static int atLeastOne(NodeConfig config, String key) throws ConfigException {
        int n = config.intValue(key);
        if (n < 1) {
            throw new ConfigException(key + " = " + n + " must be at least 1");
        }
        return n;
    }

    private static Duration positive(NodeConfig config, String key) throws ConfigException {
        Duration d = config.durationValue(key);
        if (d.isZero()) {
            throw new ConfigException(key + " = \"" + config.get(key) + "\" must be more than zero");
        }
        return d;
    }

    static List<NetAddress> addresses(NodeConfig config, String key) throws ConfigException {
        List<NetAddress> out = new ArrayList<>();
        for (String part : split(config.get(key))) {
            try {
                out.add(NetAddress.parse(part));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ": " + e.getMessage());
            }
        }
        return out;
    }

    static Set<NodeId> ids(NodeConfig config, String key) throws ConfigException {
        Set<NodeId> out = new HashSet<>();
        for (String part : split(config.get(key))) {
            try {
                out.add(NodeId.parse(part));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static List<String> split(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    static InetSocketAddress parseHostPort(String hostPort) {
        String s = hostPort.contains("://") ? hostPort.substring(hostPort.indexOf("://") + 3) : hostPort;
        int colon = s.lastIndexOf(':');
        String host = colon <= 0 ? "127.0.0.1" : s.substring(0, colon);
        return new InetSocketAddress(host, Integer.parseInt(s.substring(colon + 1)));
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Stops the node and saves the address book a last time, PEX on or off (without PEX it
     * holds the persistent peers, as CometBFT's does).
     *
     * @return whether the book was saved; when not, the reason is logged as an error
     */
    boolean stop() {
        if (status != null) {
            status.close();
        }
        sw.close();
        try {
            book.close();
            return true;
        } catch (java.io.IOException e) {
            log.error("saving the address book {} failed, peers learnt in this run are lost: {}", book.file(), Main.describe(e));
            return false;
        } finally {
            homeLock.close();
        }
    }

    /** Logs peers joining and leaving, with the reason. */
    static final class PeerLog implements io.p2p4j.SwitchListener {
        @Override
        public void peerAdded(io.p2p4j.Peer peer) {
            log.info("peer joined: {} {} ({})", peer.id(), peer.remoteAddress(), peer.isOutbound() ? "outbound" : "inbound");
        }

        @Override
        public void peerRemoved(io.p2p4j.Peer peer, Throwable reason) {
            log.info("peer left: {} ({})", peer.id(), reason == null ? "stopped" : reason.getMessage());
        }
    }
}
