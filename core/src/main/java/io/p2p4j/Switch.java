package io.p2p4j;

import io.p2p4j.net.TransportKind;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.InvalidAddressException;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.ChannelDescriptor;
import io.netty.channel.EventLoopGroup;
import io.p2p4j.net.ConnectionFilter;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.HandshakeException.Reason;
import io.p2p4j.transport.Transport;
import io.p2p4j.transport.UpgradedConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of a node: accepts and dials peers, takes each through the handshakes, hands every
 * message a peer sends to the reactor that owns its channel, and keeps the rules: peer limits,
 * filters, no second connection to one peer, no connection to ourselves, persistent peers
 * redialed with backoff.
 *
 * <pre>{@code
 * Switch sw = Switch.builder(key, P2pConfig.defaults().withListen("tcp://0.0.0.0:26656"))
 *         .network("my-chain")
 *         .reactor("chat", new ChatReactor())
 *         .build();
 * sw.start();
 * sw.dialPeers(List.of(NetAddress.parse("f0e1...@10.0.0.2:26656")));
 * }</pre>
 *
 * <p>Thread-safe. Reactor code never runs on the network threads (see {@link Reactor}).
 * {@link #close()} stops dialing, ends every peer, stops the reactors, releases the port and
 * the threads.
 *
 * <h2>A peer's life</h2>
 * A peer has one state, {@code SwitchPeer.State}, which only moves forward, changed by
 * {@code PeerLifecycle} alone (and its first step by {@code Admission}): admission puts it in
 * its table as ADMITTED; its start calls initPeer on each reactor, builds its MConnection and
 * mailbox, and moves it to RUNNING, then adds it to the peer set and calls addPeer and the
 * listeners' peerAdded; the first stop moves it to STOPPING (from any thread, without a lock),
 * closes its connection and mailbox, calls removePeer on the reactors that had initPeer, moves it
 * to STOPPED and takes it out of admission's table; listeners hear peerRemoved only if it had run.
 *
 * <h2>Locks</h2>
 * <ul>
 *   <li>{@code Admission}'s lock guards admitting: whether it is open, the inbound count, and
 *       the check-then-put of a peer's id in its table; {@link #close()} closes it first, so an
 *       admission either put its peer where close finds it or sees the switch closed. Held for a
 *       few map operations only, and no other lock is taken while it is held.
 *   <li>each peer's {@code lifecycle} lock (in {@code SwitchPeer}) is {@code PeerLifecycle}'s: it
 *       guards the calls to reactors and listeners about that peer, its moves to RUNNING and
 *       STOPPED, and its entry in the peer set; reactor code runs under it, so a stop closes the
 *       connection and the mailbox before it takes it.
 *   <li>{@code InboundMailbox} and {@code BroadcastLane} have locks of their own, taken last and
 *       never held while they call out.
 * </ul>
 * Lock order: lifecycle → mailbox. Admission's lock is never held with another.
 */
public final class Switch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Switch.class);
    /** How long stopping a peer waits for a reactor still handling one of its messages. */
    static final Duration DELIVERY_GRACE = Duration.ofSeconds(2);
    /** A reactor busy this long with one message is reported in the log. */
    static final Duration SLOW_DELIVERY = Duration.ofSeconds(5);
    /** How long a peer stopped gracefully may take to send what was queued for it. */
    static final Duration GRACEFUL_FLUSH = Duration.ofSeconds(2);

    private final NodeKey key;
    private final P2pConfig config;
    private final String network;
    private final String moniker;
    private final String version;
    private final Map<String, Reactor> reactors;
    private final Reactor[] reactorByChannel = new Reactor[256];
    private final List<ChannelDescriptor> channels;
    private final List<SwitchListener> listeners;
    private final Transport transport;
    private final PeerSetView peers = new PeerSetView();
    /** Who may become a peer, and every peer being set up or running (the peer set holds only running ones). */
    final Admission admission;
    private final PersistentPeers persistentPeers;
    private final Dialer dialer;
    /** Starts and stops peers: the one place a peer's state changes. */
    final PeerLifecycle lifecycle;
    private final Broadcaster broadcaster = new Broadcaster(peers);
    private final ScheduledExecutorService timers;
    /** Refused inbound connections, logged at info, summarised per IP and reason. */
    final RefusalLog refusals = new RefusalLog(line -> log.info("{}", line));
    private volatile NodeInfo nodeInfo;
    private volatile NetAddress listenAddress;
    private volatile boolean running;
    private volatile boolean closed;
    /** Set once start() got as far as the reactors' onStart: only then does close() tell them onStop. */
    private volatile boolean reactorsStarted;

    private Switch(Builder b) {
        this.key = b.key;
        this.config = b.config;
        this.network = b.network;
        this.moniker = b.moniker;
        this.version = b.version;
        this.reactors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.reactors)); // keeps order
        List<ChannelDescriptor> all = new ArrayList<>();
        for (Map.Entry<String, Reactor> entry : b.reactors.entrySet()) {
            for (ChannelDescriptor channel : entry.getValue().channels()) {
                int id = channel.unsignedId();
                if (reactorByChannel[id] != null) {
                    throw new IllegalArgumentException("channel " + ChannelDescriptor.format(id) + " claimed by two reactors, "
                            + nameOf(b.reactors, reactorByChannel[id]) + " and " + entry.getKey());
                }
                reactorByChannel[id] = entry.getValue();
                all.add(channel);
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no reactor with a channel: a switch needs at least one to talk to peers");
        }
        this.channels = List.copyOf(all);
        this.listeners = List.copyOf(b.listeners);
        List<ConnectionFilter> connectionFilters = new ArrayList<>();
        if (!config.allowDuplicateIp()) {
            connectionFilters.add(this::refuseDuplicateIp);
        }
        connectionFilters.addAll(b.connectionFilters);
        this.nodeInfo = ourNodeInfo(config.externalAddress().isEmpty() ? config.listenAddress()
                : "tcp://" + config.externalAddress());
        this.transport = new Transport(b.transportKind, key, () -> nodeInfo,
                new Transport.Settings(config.dialTimeout(), config.handshakeTimeout(), config.filterTimeout(),
                        config.socketBufferBytes(), config.maxPendingHandshakes(), config.maxPendingHandshakesPerIp(),
                        config.faultInjection()),
                connectionFilters, b.eventLoops);
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("p2p4j-switch-" + key.id().hex().substring(0, 8)).factory());
        this.persistentPeers = new PersistentPeers(timers, config.reconnect(), this::dial, this::isAdmitted);
        this.admission = new Admission(key.id(), config, b.peerFilters, persistentPeers);
        this.dialer = new Dialer(key.id(), transport, this::isAdmitted, this::admit, this::onDialFailure);
        this.lifecycle = new PeerLifecycle(reactors, reactorByChannel, channels, config,
                new MailboxReserve(config.mailboxReserveBytes()), peers, listeners, admission, this::stopPeerForError);
        for (Reactor reactor : reactors.values()) {
            if (reactor instanceof BaseReactor base) {
                base.attach(this);
            }
        }
    }

    /** A builder for a switch with this node key and settings. */
    public static Builder builder(NodeKey key, P2pConfig config) {
        return new Builder(key, config);
    }

    // ---- lifecycle ------------------------------------------------------------------------

    /**
     * Starts the reactors and begins accepting peers on the listen address (if it is not empty).
     *
     * @throws IllegalStateException if the switch was started or closed before, or the listen
     *         address cannot be bound (the message says which address and why)
     */
    public void start() {
        if (running || closed) {
            throw new IllegalStateException("a switch can be started once");
        }
        running = true;
        admission.open();
        if (!config.externalAddress().isEmpty()) {
            try {
                NetAddress external = NetAddress.fromHostPort(key.id(), config.externalAddress());
                dialer.addOurAddress(external.host(), external.port());
            } catch (InvalidAddressException e) {
                log.warn("external address {} does not parse: {}", config.externalAddress(), e.getMessage());
            }
        }
        if (!config.listenAddress().isBlank()) {
            URI uri = listenUri(config.listenAddress());
            try {
                InetSocketAddress bound = transport.listen(uri.getHost(), uri.getPort(), this::onInbound);
                String host = uri.getHost();
                if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
                    host = "127.0.0.1";
                }
                listenAddress = new NetAddress(key.id(), host, bound.getPort());
                dialer.addOurAddress(host, bound.getPort());
                if (config.externalAddress().isEmpty()) {
                    nodeInfo = ourNodeInfo("tcp://" + uri.getHost() + ":" + bound.getPort());
                }
            } catch (Exception e) {
                close(); // the event loops, timer and filter threads were made with the switch: nothing may outlive it
                throw new IllegalStateException("cannot listen on " + config.listenAddress() + ": " + e.getMessage(), e);
            }
        }
        reactorsStarted = true;
        for (Reactor reactor : reactors.values()) {
            if (reactor instanceof BaseReactor base) {
                base.onStart(); // after binding, so reactors know the listen address
            }
        }
        timers.scheduleAtFixedRate(this::reportSlowReactorsSafely, 1, 1, TimeUnit.SECONDS);
        log.info("switch {} started, listening on {}", key.id(), listenAddress);
    }

    /**
     * Stops dialing and accepting, ends every peer (each reactor hears {@code removePeer}), stops
     * the reactors, and releases the port, the threads and the buffers. Idempotent.
     */
    @Override
    public void close() {
        // an admission under way has put its peer in the table (and close stops it below), or
        // will see admission closed and refuse it
        if (!admission.close()) {
            return;
        }
        closed = true;
        running = false;
        transport.stopListening();
        persistentPeers.close();
        timers.shutdownNow();
        lifecycle.stopAll(admission.snapshot());
        if (!reactorsStarted) {
            transport.close();
            return;
        }
        for (Reactor reactor : reactors.values()) {
            if (reactor instanceof BaseReactor base) {
                try {
                    base.onStop();
                } catch (RuntimeException e) {
                    log.warn("reactor {} failed to stop", reactor, e);
                }
            }
        }
        transport.close();
        log.info("switch {} closed", key.id());
    }

    // ---- what the switch is -------------------------------------------------------------------

    /** The connected peers. */
    public PeerSet peers() {
        return peers;
    }

    /** Our NodeInfo, as sent to peers (with the real listen port once started). */
    public NodeInfo nodeInfo() {
        return nodeInfo;
    }

    /** Our node id. */
    public NodeId id() {
        return key.id();
    }

    /**
     * The address peers can dial, with the real port once listening (null before); an
     * unspecified listen host (0.0.0.0) is given as 127.0.0.1.
     */
    public NetAddress listenAddress() {
        return listenAddress;
    }

    /** How many outbound, inbound and dialing peers there are now. */
    public PeerCounts numPeers() {
        int outbound = 0;
        int inbound = 0;
        for (SwitchPeer peer : peers.snapshot()) {
            if (peer.isOutbound()) {
                outbound++;
            } else {
                inbound++;
            }
        }
        return new PeerCounts(outbound, inbound, dialer.dialingCount());
    }

    /** Inbound connections accepted and still in their handshake (see {@link P2pConfig#maxPendingHandshakes()}). */
    public int pendingHandshakes() {
        return transport.pendingHandshakes();
    }

    /** True while the id is being dialed. */
    public boolean isDialing(NodeId id) {
        return dialer.isDialing(id);
    }

    /** The settings of this switch. */
    public P2pConfig config() {
        return config;
    }

    /** The reactor registered under this name, or null. */
    public Reactor reactor(String name) {
        return reactors.get(name);
    }

    // ---- dialing ----------------------------------------------------------------------------

    /**
     * Dials a peer. The future completes with the peer once it is running and every reactor has
     * been told, or fails with a {@link HandshakeException} saying why (already connected or
     * being dialed, ourselves, refused by a filter, failed authentication, incompatible...).
     */
    public CompletableFuture<Peer> dial(NetAddress address) {
        Objects.requireNonNull(address, "address");
        if (!running) {
            return CompletableFuture.failedFuture(new IllegalStateException("the switch is not running"));
        }
        return dialer.dial(address);
    }

    /** Dials each address in the background; failures are logged (and persistent peers redialed). */
    public void dialPeers(Collection<NetAddress> addresses) {
        for (NetAddress address : addresses) {
            dial(address).exceptionally(e -> {
                log.debug("dialing {} failed: {}", address, e.getMessage());
                return null;
            });
        }
    }

    /**
     * Makes these peers persistent and dials those not connected: whenever one is not connected
     * (it went away, or a dial failed) it is redialed at the address given here with the backoff
     * of {@link P2pConfig#reconnect()}, for as long as the switch runs. A peer already connected
     * is persistent from now on ({@link Peer#isPersistent()} says so) and is redialed when it
     * drops. Ourselves are skipped.
     */
    public void addPersistentPeers(Collection<NetAddress> addresses) {
        List<NetAddress> toDial = new ArrayList<>();
        for (NetAddress address : addresses) {
            if (address.id().equals(key.id())) {
                continue;
            }
            persistentPeers.add(address);
            // a peer admitted now either sees the id above or is in all below: none is missed
            if (!admission.has(address.id())) {
                toDial.add(address);
            }
        }
        if (running) {
            dialPeers(toDial);
        }
    }

    private void onDialFailure(NetAddress address, Throwable error) {
        notifyRefused(java.net.InetSocketAddress.createUnresolved(address.host(), address.port()), true, error);
        if (error instanceof HandshakeException h) {
            if (h.reason() == Reason.SELF) {
                dialer.addOurAddress(address.host(), address.port());
                persistentPeers.forget(address.id());
                log.info("{} is ourselves: not dialing it again", address);
                return;
            }
            if (h.reason() == Reason.DUPLICATE) {
                return;
            }
        }
        log.debug("dial {} failed: {}", address, error.getMessage());
        if (persistentPeers.contains(address.id())) {
            persistentPeers.redial(address);
        }
    }

    // ---- admitting peers --------------------------------------------------------------------

    private void onInbound(CompletableFuture<UpgradedConnection> upgrade) {
        upgrade.whenComplete((connection, error) -> {
            if (error != null) {
                Throwable cause = unwrap(error);
                java.net.SocketAddress remote = cause instanceof HandshakeException h ? h.remote() : null;
                refusals.refused(remote, "inbound connection", cause);
                notifyRefused(remote, false, cause);
                return;
            }
            Thread.ofVirtual().start(() -> {
                try {
                    admit(connection, null);
                } catch (Exception e) {
                    refusals.refused(connection.remote(), "inbound peer " + connection.id(), e);
                    notifyRefused(connection.remote(), false, e);
                }
            });
        });
    }

    /**
     * Turns an upgraded connection into a running peer: limits, duplicates and filters first,
     * then initPeer on every reactor, the MConnection, the peer set, addPeer on every reactor.
     * Runs on a virtual thread.
     */
    private SwitchPeer admit(UpgradedConnection connection, NetAddress dialed) throws Exception {
        Admission.Admitted admitted = admission.admit(connection, dialed,
                (c, remote) -> new SwitchPeer(c, remote, persistentPeers.ids(), reactorByChannel));
        if (admitted.replaced() != null) {
            log.debug("simultaneous connections with {}: keeping the one dialed by the lower id", connection.id());
            stopPeer(admitted.replaced(), null);
        }
        lifecycle.start(admitted.peer());
        return admitted.peer();
    }

    /** A connection filter; admission, made after the transport, knows the peers. */
    private void refuseDuplicateIp(InetSocketAddress remote) throws HandshakeException {
        admission.refuseDuplicateIp(remote);
    }

    private boolean isAdmitted(NodeId id) {
        return admission.has(id);
    }

    // ---- stopping peers -----------------------------------------------------------------------

    /**
     * Stops a peer because of {@code reason}: closes its connection, tells every reactor
     * {@code removePeer(peer, reason)} once, logs the reason, and redials it later if it is
     * persistent. Safe to call from any thread, reactors included, and more than once.
     */
    public void stopPeerForError(Peer peer, Throwable reason) {
        if (peer instanceof SwitchPeer p && stopPeer(p, reason) && p.isPersistent() && !closed) {
            persistentPeers.redial(persistentPeers.addressOf(p.id(), p.remoteAddress()));
        }
    }

    /**
     * Stops a peer without error and without redialing it; what was already queued for it is still
     * sent (for up to 2 s) before its connection closes.
     */
    public void stopPeerGracefully(Peer peer) {
        if (peer instanceof SwitchPeer p) {
            stopPeer(p, null);
        }
    }

    /** Returns true if this call stopped the peer (false if it was already stopping). */
    private boolean stopPeer(SwitchPeer peer, Throwable reason) {
        return lifecycle.stop(peer, reason, reason == null && !closed);
    }

    // ---- broadcasting -------------------------------------------------------------------------

    /**
     * Sends a message to every running peer that advertised the channel, without waiting for any
     * of them. Each peer has a short queue of its own (16 messages)
     * drained in order by its own thread with {@link Peer#send}; if a peer's queue is full, its
     * copy is dropped at once, so a stalled peer never holds up the caller or the other peers.
     * Thread-safe; the peers share the array, so do not change it afterwards.
     *
     * @return the peers the message was queued for and those it was dropped for; a caller that
     *         must not lose messages for slow peers paces itself on {@link BroadcastResult#dropped()}
     *         or sends to each peer itself
     */
    public BroadcastResult broadcast(byte channelId, byte[] message) {
        return broadcaster.broadcast(channelId, message);
    }

    // ---- internals ----------------------------------------------------------------------------

    private void notifyRefused(java.net.SocketAddress remote, boolean outbound, Throwable reason) {
        for (SwitchListener listener : listeners) {
            PeerLifecycle.safely(() -> listener.connectionRefused(remote, Direction.of(outbound), reason));
        }
    }

    /**
     * Reactors busy with a message right now: which, from which peer and for how long (for
     * diagnostics; the log reports any busy for more than 5 s).
     */
    public List<BusyReactor> busyReactors() {
        return lifecycle.busyReactors();
    }

    /** The timer's task: an exception out of it would end the schedule silently. */
    private void reportSlowReactorsSafely() {
        try {
            lifecycle.reportSlowReactors();
        } catch (RuntimeException e) {
            log.warn("reporting slow reactors failed", e);
        }
    }

    private NodeInfo ourNodeInfo(String listenAddr) {
        byte[] ids = new byte[channels.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = channels.get(i).id();
        }
        return NodeInfo.of(key.id(), listenAddr, network, version, ids, moniker);
    }

    private static URI listenUri(String address) {
        String withScheme = address.contains("://") ? address : "tcp://" + address;
        URI uri = URI.create(withScheme);
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("listen address must be tcp://host:port, got " + address);
        }
        return uri;
    }

    static String nameOf(Map<String, Reactor> reactors, Reactor reactor) {
        return reactors.entrySet().stream().filter(e -> e.getValue() == reactor).map(Map.Entry::getKey)
                .findFirst().orElse(reactor.getClass().getSimpleName());
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof java.util.concurrent.CompletionException
                || e instanceof java.util.concurrent.ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Builds a {@link Switch}. Not thread-safe. */
    public static final class Builder {
        private final NodeKey key;
        private final P2pConfig config;
        private String network = "p2p4j";
        private String moniker = "p2p4j";
        private String version = NodeInfo.DEFAULT_VERSION;
        private TransportKind transportKind = TransportKind.TCP;
        private EventLoopGroup eventLoops;
        private final Map<String, Reactor> reactors = new LinkedHashMap<>();
        private final List<ConnectionFilter> connectionFilters = new ArrayList<>();
        private final List<PeerFilter> peerFilters = new ArrayList<>();
        private final List<SwitchListener> listeners = new ArrayList<>();

        private Builder(NodeKey key, P2pConfig config) {
            this.key = Objects.requireNonNull(key, "key");
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The network (chain id) this node is on; peers must be on the same (default "p2p4j"). */
        public Builder network(String chainId) {
            this.network = Objects.requireNonNull(chainId, "chainId");
            return this;
        }

        /** A human-readable name for this node (default "p2p4j"). */
        public Builder moniker(String moniker) {
            this.moniker = Objects.requireNonNull(moniker, "moniker");
            return this;
        }

        /** The software version sent in NodeInfo. */
        public Builder version(String version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Adds a reactor under a name; its channels are registered in order. */
        public Builder reactor(String name, Reactor reactor) {
            if (reactors.putIfAbsent(Objects.requireNonNull(name, "name"), Objects.requireNonNull(reactor, "reactor")) != null) {
                throw new IllegalArgumentException("a reactor named " + name + " is already registered");
            }
            return this;
        }

        /** Adds a connection filter, run before the handshake of every connection. */
        public Builder connectionFilter(ConnectionFilter filter) {
            connectionFilters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /** Adds a peer filter, run after the handshake of every connection. */
        public Builder peerFilter(PeerFilter filter) {
            peerFilters.add(Objects.requireNonNull(filter, "filter"));
            return this;
        }

        /** Adds a listener for peers joining and leaving and connections refused. */
        public Builder listener(SwitchListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Real TCP sockets (the default) or in-process channels for tests. */
        public Builder transport(TransportKind kind) {
            this.transportKind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /**
         * Runs this switch's connections on {@code group} instead of event loops of its own, so
         * that many switches in one process share a few threads (simulations, tests, benchmarks).
         * The group must suit the transport: NIO for TCP, local for in-memory. The caller owns it:
         * closing the switch leaves it running; shut it down after the last switch is closed.
         */
        public Builder eventLoops(EventLoopGroup group) {
            this.eventLoops = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Builds the switch.
         *
         * @throws IllegalArgumentException if two reactors claim one channel, or none has any
         */
        public Switch build() {
            return new Switch(this);
        }
    }
}
