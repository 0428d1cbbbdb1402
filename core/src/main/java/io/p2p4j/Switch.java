package io.p2p4j;

import io.p2p4j.net.TransportKind;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.netty.channel.EventLoopGroup;
import io.p2p4j.net.ConnectionFilter;
import io.p2p4j.net.HandshakeException;
import io.p2p4j.transport.Transport;
import java.net.InetSocketAddress;
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
 * A peer has one state, {@code SwitchPeer.State}, which only moves forward: DIALING (an id we
 * dial, in {@code Admission}'s table) → ADMITTED (its peer in the table, being set up; an inbound
 * peer starts here) → RUNNING (in the peer set, reactors and listeners told) → STOPPING → STOPPED
 * (out of the table). {@code Admission} makes the steps into the table, {@code PeerLifecycle}
 * every later one; both say how at their top.
 *
 * <h2>Locks</h2>
 * This class takes none itself. {@code Admission}'s lock guards admitting (open or closed, the
 * inbound count, one peer per id) and is never held with another; each peer's {@code lifecycle}
 * lock is {@code PeerLifecycle}'s, and reactor code runs under it; {@code InboundMailbox} and
 * {@code BroadcastLane} have locks of their own, taken last. Lock order: lifecycle → mailbox.
 * Each class states its lock's rule at its top.
 */
public final class Switch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Switch.class);

    private final NodeKey key;
    private final P2pConfig config;
    private final ReactorTable reactors;
    private final Transport transport;
    private final PeerSetView peers = new PeerSetView();
    /** Who may become a peer, and every peer being set up or running (the peer set holds only running ones). */
    final Admission admission;
    private final PersistentPeers persistentPeers;
    private final OurAddresses ourAddresses;
    private final Dialer dialer;
    private final PeerIntake intake;
    /** Starts and stops peers: the one place a peer's state changes. */
    final PeerLifecycle lifecycle;
    private final Broadcaster broadcaster = new Broadcaster(peers);
    private final ScheduledExecutorService timers;
    /** Refused inbound connections, logged at info, summarised per IP and reason. */
    final RefusalLog refusals = new RefusalLog(line -> log.info("{}", line));
    private volatile boolean running;
    private volatile boolean closed;
    /** Set once start() got as far as the reactors' onStart: only then does close() tell them onStop. */
    private volatile boolean reactorsStarted;

    private Switch(Builder b) {
        this.key = b.key;
        this.config = b.config;
        this.reactors = new ReactorTable(b.reactors);
        List<ConnectionFilter> connectionFilters = new ArrayList<>();
        if (!config.allowDuplicateIp()) {
            connectionFilters.add(this::refuseDuplicateIp);
        }
        connectionFilters.addAll(b.connectionFilters);
        this.ourAddresses = new OurAddresses(NodeInfo.of(key.id(), "", b.network, b.version, reactors.channelIds(), b.moniker),
                config);
        this.transport = new Transport(b.transportKind, key, ourAddresses::nodeInfo,
                new Transport.Settings(config.dialTimeout(), config.handshakeTimeout(), config.filterTimeout(),
                        config.socketBufferBytes(), config.maxPendingHandshakes(), config.maxPendingHandshakesPerIp(),
                        config.faultInjection()),
                connectionFilters, b.eventLoops);
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("p2p4j-switch-" + key.id().hex().substring(0, 8)).factory());
        this.persistentPeers = new PersistentPeers(timers, config.reconnect(), this::dial, this::isAdmitted);
        this.admission = new Admission(key.id(), config, b.peerFilters, persistentPeers);
        SwitchListeners listeners = new SwitchListeners(b.listeners);
        this.lifecycle = new PeerLifecycle(reactors, config, new MailboxReserve(config.mailboxReserveBytes()), peers,
                listeners, admission, this::stopPeerForError);
        this.intake = new PeerIntake(admission, lifecycle, persistentPeers, reactors, refusals, listeners,
                new MessageEvents(listeners, reactors));
        this.dialer = new Dialer(key.id(), transport, ourAddresses, admission, intake::admit, listeners,
                persistentPeers);
        reactors.attach(this);
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
        try {
            ourAddresses.listen(transport, intake::accept);
        } catch (RuntimeException e) {
            close(); // the event loops, timer and filter threads were made with the switch: nothing may outlive it
            throw e;
        }
        reactorsStarted = true;
        reactors.start(); // after binding, so reactors know the listen address
        timers.scheduleAtFixedRate(lifecycle::reportSlowReactorsSafely, 1, 1, TimeUnit.SECONDS);
        log.info("switch {} started, listening on {}", key.id(), ourAddresses.listenAddress());
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
        if (reactorsStarted) {
            reactors.stop();
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
        return ourAddresses.nodeInfo();
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
        return ourAddresses.listenAddress();
    }

    /** How many outbound, inbound and dialing peers there are now. */
    public PeerCounts numPeers() {
        return peers.counts(admission.dialingCount());
    }

    /** Inbound connections accepted and still in their handshake (see {@link P2pConfig#maxPendingHandshakes()}). */
    public int pendingHandshakes() {
        return transport.pendingHandshakes();
    }

    /** True while the id is being dialed (not once the dialed peer is admitted, nor while a peer with the id is). */
    public boolean isDialing(NodeId id) {
        return admission.state(id) == SwitchPeer.State.DIALING;
    }

    /** The settings of this switch. */
    public P2pConfig config() {
        return config;
    }

    /** The reactor registered under this name, or null. */
    public Reactor reactor(String name) {
        return reactors.named(name);
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
        List<NetAddress> toDial = persistentPeers.addAll(addresses, key.id());
        if (running) {
            dialPeers(toDial);
        }
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

    /**
     * Reactors busy with a message right now: which, from which peer and for how long (for
     * diagnostics; the log reports any busy for more than 5 s).
     */
    public List<BusyReactor> busyReactors() {
        return lifecycle.busyReactors();
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
