package io.p2p4j.transport;

import io.p2p4j.net.HandshakeException;
import io.p2p4j.net.TransportKind;
import io.p2p4j.net.FaultInjection;
import io.p2p4j.net.ConnectionFilter;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.Ed25519Signer;
import io.p2p4j.internal.CompletionCause;
import io.p2p4j.net.HandshakeException.Reason;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens for and dials peers, and takes each new connection through the upgrade pipeline:
 * connection filters, then the SecretConnection handshake, then (dialer only) the check that
 * the authenticated key is the dialed id, then the NodeInfo exchange and its checks (valid, id
 * matching the key, not ourselves, compatible). What comes out is an {@link UpgradedConnection}
 * ready for an MConnection; any failure closes the socket and fails the future with a
 * {@link HandshakeException} saying which stage refused it and why.
 *
 * <p>Two kinds: {@link TransportKind#TCP} over real sockets, and {@link TransportKind#IN_MEMORY}
 * over Netty's local channels (addresses {@code 127.0.0.1:<n>} mapped to in-process names), for
 * fast tests of everything above the socket. Thread-safe.
 */
public final class Transport implements AutoCloseable {

    /** The host name lookup of a dial, {@link InetAddress#getByName} but for tests; may block. */
    @FunctionalInterface
    interface HostResolver {
        InetAddress resolve(String host) throws Exception;
    }

    /**
     * Limits and socket settings of the transport.
     *
     * @param dial              TCP connect limit
     * @param handshake         limit of the whole handshake, SecretConnection and NodeInfo
     *                          together, from the end of the connection filters
     * @param filter            limit of each connection filter
     * @param socketBufferBytes SO_SNDBUF and SO_RCVBUF of every TCP connection; 0 leaves them to
     *                          the kernel (autotuned, up to megabytes)
     * @param maxPendingHandshakes      inbound connections accepted and not yet through their
     *                                  handshake, at most; one more is let in and the oldest
     *                                  pending connection of the IP holding the most is closed to
     *                                  make room (see {@link #listen})
     * @param maxPendingHandshakesPerIp the same, per remote IP address (TCP only: in-process
     *                                  connections have no address of their own); one more from
     *                                  that IP is closed as it is accepted, before any cryptography
     * @param faults            faults injected into every connection's raw bytes, for tests
     *                          ({@link FaultInjection#off()}: none, and no cost)
     */
    public record Settings(Duration dial, Duration handshake, Duration filter, int socketBufferBytes,
            int maxPendingHandshakes, int maxPendingHandshakesPerIp, FaultInjection faults) {
        /** {@link io.p2p4j.P2pConfig}'s default of {@link #maxPendingHandshakes}. */
        public static final int DEFAULT_MAX_PENDING_HANDSHAKES = 64;
        /** {@link io.p2p4j.P2pConfig}'s default of {@link #maxPendingHandshakesPerIp}. */
        public static final int DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP = 4;

        public Settings {
            Objects.requireNonNull(dial, "dial");
            Objects.requireNonNull(handshake, "handshake");
            Objects.requireNonNull(filter, "filter");
            Objects.requireNonNull(faults, "faults");
            if (socketBufferBytes < 0) {
                throw new IllegalArgumentException("socketBufferBytes must not be negative, got " + socketBufferBytes);
            }
            if (maxPendingHandshakes < 1 || maxPendingHandshakesPerIp < 1) {
                throw new IllegalArgumentException("maxPendingHandshakes and maxPendingHandshakesPerIp must be positive, got "
                        + maxPendingHandshakes + " and " + maxPendingHandshakesPerIp);
            }
        }

        /** These limits, without fault injection. */
        public Settings(Duration dial, Duration handshake, Duration filter, int socketBufferBytes,
                int maxPendingHandshakes, int maxPendingHandshakesPerIp) {
            this(dial, handshake, filter, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp,
                    FaultInjection.off());
        }

        /** These limits and socket buffers, with the default caps on pending handshakes. */
        public Settings(Duration dial, Duration handshake, Duration filter, int socketBufferBytes) {
            this(dial, handshake, filter, socketBufferBytes, DEFAULT_MAX_PENDING_HANDSHAKES,
                    DEFAULT_MAX_PENDING_HANDSHAKES_PER_IP);
        }

        /** These limits, with the kernel's socket buffers and the default caps on pending handshakes. */
        public Settings(Duration dial, Duration handshake, Duration filter) {
            this(dial, handshake, filter, 0);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    private static final AtomicInteger IN_MEMORY_PORTS = new AtomicInteger(40_000);

    private final TransportKind kind;
    private final Ed25519Signer key;
    private final NodeId ourId;
    private final Supplier<NodeInfo> ourInfo;
    private final Settings settings;
    private final List<ConnectionFilter> filters;
    private final SecureUpgrade secureUpgrade;
    private final EventLoopGroup group;
    /** False when the caller gave the event loops: they are shared and not ours to stop. */
    private final boolean ownsGroup;
    private final ExecutorService filterThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final PendingHandshakes pending;
    private volatile Channel listener;
    /** Every connection made or accepted and not yet closed, so that close() can end them all. */
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    /** Looks up the host names of dialed addresses; may block (DNS). A test seam. */
    volatile HostResolver resolver = InetAddress::getByName;
    private volatile boolean closing;

    /** A transport with event loops of its own (two per core), stopped by {@link #close()}. */
    public Transport(TransportKind kind, Ed25519Signer key, Supplier<NodeInfo> ourInfo, Settings settings,
            List<ConnectionFilter> filters) {
        this(kind, key, ourInfo, settings, filters, null, SecureUpgrade.SECRET_CONNECTION);
    }

    /**
     * A transport whose connections run on {@code eventLoops}, which several transports may share
     * (many nodes in one process); {@link #close()} closes this transport's connections and leaves
     * the group running. The group must suit the kind: NIO for {@link TransportKind#TCP}, local for
     * {@link TransportKind#IN_MEMORY}; a null group means event loops of its own.
     */
    public Transport(TransportKind kind, Ed25519Signer key, Supplier<NodeInfo> ourInfo, Settings settings,
            List<ConnectionFilter> filters, EventLoopGroup eventLoops) {
        this(kind, key, ourInfo, settings, filters, eventLoops, SecureUpgrade.SECRET_CONNECTION);
    }

    Transport(TransportKind kind, Ed25519Signer key, Supplier<NodeInfo> ourInfo, Settings settings,
            List<ConnectionFilter> filters, EventLoopGroup eventLoops, SecureUpgrade secureUpgrade) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.key = Objects.requireNonNull(key, "key");
        this.ourId = NodeId.fromPublicKey(key.publicKey());
        this.ourInfo = Objects.requireNonNull(ourInfo, "ourInfo");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.filters = List.copyOf(filters);
        this.secureUpgrade = secureUpgrade;
        this.pending = new PendingHandshakes(settings.maxPendingHandshakes(), settings.maxPendingHandshakesPerIp());
        this.ownsGroup = eventLoops == null;
        if (eventLoops != null) {
            this.group = eventLoops;
        } else {
            this.group = kind == TransportKind.TCP
                    ? new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory())
                    : new MultiThreadIoEventLoopGroup(0, LocalIoHandler.newFactory());
        }
    }

    public TransportKind kind() {
        return kind;
    }

    /**
     * Inbound connections accepted and not yet through their handshake (nor closed). Thread-safe.
     */
    public int pendingHandshakes() {
        return pending.count();
    }

    /** The most inbound connections that were in their handshake at once so far. */
    int pendingHandshakesPeak() {
        return pending.peak();
    }

    /** Inbound connections closed in their handshake so far to make room for a newer one. */
    long pendingHandshakesEvicted() {
        return pending.evictions();
    }

    /**
     * Starts accepting connections on {@code host:port} (port 0 picks one) and returns the
     * bound address. Each accepted connection is upgraded; {@code onInbound} receives the
     * future of every one (it runs on an event loop: hand off, do not block); accept never waits.
     * A connection accepted while {@link Settings#maxPendingHandshakesPerIp()} others from its IP
     * are in their handshake is closed at once, before any cryptography, and {@code onInbound}
     * never hears of it. One accepted while {@link Settings#maxPendingHandshakes()} are pending in
     * all is let in, and the oldest pending connection of the IP that holds the most (ties: the
     * IP whose oldest is oldest) is closed to make room, its upgrade failing with
     * {@link HandshakeException.Reason#LIMIT}. Refusing the newcomer instead would let an attacker
     * with {@code maxPendingHandshakes / maxPendingHandshakesPerIp} addresses (16 by default) hold
     * every slot with silent connections and keep all other peers out until the handshake timeout,
     * over and over; this way a peer whose handshake takes milliseconds gets in while the
     * attacker's connections churn, and one from an address of its own is the last to go.
     */
    public InetSocketAddress listen(String host, int port, Consumer<CompletableFuture<UpgradedConnection>> onInbound)
            throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        track(ch);
                        injectFaults(ch);
                        InetSocketAddress remote = remoteOf(ch);
                        InetAddress ip = kind == TransportKind.TCP ? remote.getAddress() : null;
                        CompletableFuture<UpgradedConnection> result = new CompletableFuture<>();
                        PendingHandshakes.Outcome<CompletableFuture<UpgradedConnection>> outcome =
                                pending.tryAcquire(ip, result);
                        if (outcome.refusal() != null) {
                            // no log line above DEBUG: a flood of connections must not become one of log lines
                            log.debug("inbound connection from {} closed before its handshake: {}", remote,
                                    outcome.refusal());
                            ch.close();
                            return;
                        }
                        if (outcome.evicted() != null) {
                            // fails its upgrade, which closes it; its slot is this one's already
                            outcome.evicted().completeExceptionally(new HandshakeException(Reason.LIMIT,
                                    "closed to make room for a newer inbound connection: "
                                            + settings.maxPendingHandshakes() + " handshakes pending, the maximum "
                                            + "(maxPendingHandshakes " + settings.maxPendingHandshakes() + ")"));
                        }
                        PendingHandshakes.Slot slot = outcome.slot();
                        ch.closeFuture().addListener(f -> slot.release());
                        CompletableFuture<UpgradedConnection> upgrade = upgrade(ch, null, result);
                        upgrade.whenComplete((c, e) -> slot.release());
                        onInbound.accept(upgrade);
                    }
                });
        if (kind == TransportKind.TCP) {
            bootstrap.channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_REUSEADDR, true);
            if (settings.socketBufferBytes() > 0) {
                // the listener's receive buffer is what accepted sockets start with, before the handshake
                bootstrap.option(ChannelOption.SO_RCVBUF, settings.socketBufferBytes())
                        .childOption(ChannelOption.SO_RCVBUF, settings.socketBufferBytes())
                        .childOption(ChannelOption.SO_SNDBUF, settings.socketBufferBytes());
            }
            Channel bound = bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
            listener = bound;
            return (InetSocketAddress) bound.localAddress();
        }
        int memoryPort = port == 0 ? IN_MEMORY_PORTS.incrementAndGet() : port;
        bootstrap.channel(LocalServerChannel.class);
        listener = bootstrap.bind(localAddress(memoryPort)).sync().channel();
        return new InetSocketAddress("127.0.0.1", memoryPort);
    }

    /**
     * Dials the address and upgrades the connection; the id of the address must authenticate.
     * Never blocks: a host name is looked up on a thread of its own (the switch dials from its one
     * timer thread, which a slow DNS server must not hold up), within the dial limit.
     */
    public CompletableFuture<UpgradedConnection> dial(NetAddress address) {
        Bootstrap bootstrap = new Bootstrap().group(group)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.dial().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        track(ch);
                        injectFaults(ch);
                    }
                });
        if (closing) {
            return CompletableFuture.failedFuture(new HandshakeException(Reason.CLOSED,
                    "dialing " + address + " failed: the transport is closed"));
        }
        if (kind == TransportKind.IN_MEMORY) {
            bootstrap.channel(LocalChannel.class);
            return connect(bootstrap, localAddress(address.port()), address);
        }
        bootstrap.channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true);
        if (settings.socketBufferBytes() > 0) {
            bootstrap.option(ChannelOption.SO_RCVBUF, settings.socketBufferBytes())
                    .option(ChannelOption.SO_SNDBUF, settings.socketBufferBytes());
        }
        return resolve(address).thenCompose(target -> connect(bootstrap, target, address));
    }

    /** The address to connect to: an IP literal at once, a host name looked up on a virtual thread within the dial limit. */
    private CompletableFuture<InetSocketAddress> resolve(NetAddress address) {
        byte[] ip = address.ip();
        if (ip != null) {
            try {
                return CompletableFuture.completedFuture(new InetSocketAddress(InetAddress.getByAddress(ip), address.port()));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException("an IP literal's 4 or 16 bytes were refused", e); // cannot happen
            }
        }
        CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
        Thread.ofVirtual().name("p2p4j-resolve-" + address.host()).start(() -> {
            try {
                result.complete(new InetSocketAddress(resolver.resolve(address.host()), address.port()));
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result.orTimeout(settings.dial().toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
            String why = cause instanceof TimeoutException ? "looking up " + address.host() + " took longer than the dial limit of "
                    + settings.dial().toMillis() + " ms" : String.valueOf(cause.getMessage());
            return CompletableFuture.failedFuture(new HandshakeException(Reason.CLOSED,
                    "dialing " + address + " failed: " + why, cause));
        });
    }

    private CompletableFuture<UpgradedConnection> connect(Bootstrap bootstrap, SocketAddress target, NetAddress address) {
        CompletableFuture<UpgradedConnection> result = new CompletableFuture<>();
        ChannelFuture connect = bootstrap.connect(target);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new HandshakeException(Reason.CLOSED,
                        "dialing " + address + " failed: " + f.cause().getMessage(), f.cause()));
                return;
            }
            upgrade(connect.channel(), address.id(), new CompletableFuture<>()).whenComplete((c, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(c);
                }
            });
        });
        return result;
    }

    /** Puts the fault injector first in a new connection's pipeline when fault injection is on; else nothing. */
    private void injectFaults(Channel ch) {
        if (settings.faults().enabled()) {
            ch.pipeline().addFirst("faults", new FaultInjector(settings.faults(), java.util.concurrent.ThreadLocalRandom.current()));
        }
    }

    /**
     * Takes the channel through the upgrade pipeline into {@code result}, which may also be failed
     * from outside (a pending inbound connection pushed out for a newer one); returns what the
     * caller sees: the channel closed and the failure a {@link HandshakeException} naming the remote.
     */
    private CompletableFuture<UpgradedConnection> upgrade(Channel channel, NodeId dialedId,
            CompletableFuture<UpgradedConnection> result) {
        boolean outbound = dialedId != null;
        InetSocketAddress remote = remoteOf(channel);
        NodeInfoHandshake exchange = new NodeInfoHandshake(ourInfo.get(), settings.handshake());
        runFilters(remote)
                .thenCompose(ok -> {
                    // one deadline for both stages: each stage's own timer alone would let a peer
                    // that finishes one just in time hold the connection for twice the limit
                    ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> result.completeExceptionally(
                            new HandshakeException(Reason.TIMEOUT, "handshake (SecretConnection and NodeInfo) did not"
                                    + " complete within " + settings.handshake().toMillis() + " ms")),
                            settings.handshake().toNanos(), TimeUnit.NANOSECONDS);
                    result.whenComplete((c, e) -> deadline.cancel(false));
                    return secureUpgrade.secure(channel, key, settings.handshake(), exchange);
                })
                .thenCompose(remoteKey -> {
                    NodeId authenticated = NodeId.fromPublicKey(remoteKey);
                    if (authenticated.equals(ourId)) {
                        throw new java.util.concurrent.CompletionException(new HandshakeException(Reason.SELF,
                                "connected to ourselves (" + ourId + ") at " + remote));
                    }
                    if (outbound && !authenticated.equals(dialedId)) {
                        throw new java.util.concurrent.CompletionException(new HandshakeException(Reason.WRONG_ID,
                                "dialed " + dialedId + " but peer authenticated as " + authenticated));
                    }
                    channel.eventLoop().execute(exchange::begin);
                    return exchange.result().thenApply(info -> check(authenticated, info, outbound, channel, remote));
                })
                .whenComplete((connection, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else {
                        result.complete(connection);
                    }
                });
        return result.handle((connection, error) -> {
            if (error != null) {
                channel.close();
                throw new java.util.concurrent.CompletionException(asHandshakeException(error).withRemote(remote));
            }
            return connection;
        });
    }

    private UpgradedConnection check(NodeId authenticated, NodeInfo info, boolean outbound, Channel channel,
            InetSocketAddress remote) {
        try {
            info.validate();
        } catch (RuntimeException e) {
            throw new java.util.concurrent.CompletionException(
                    new HandshakeException(Reason.INVALID_NODE_INFO, "invalid NodeInfo from " + authenticated + ": "
                            + e.getMessage(), e));
        }
        if (!info.id().equals(authenticated)) {
            throw new java.util.concurrent.CompletionException(new HandshakeException(Reason.INVALID_NODE_INFO,
                    "NodeInfo id " + info.id() + " is not the authenticated id " + authenticated));
        }
        if (info.id().equals(ourId)) {
            throw new java.util.concurrent.CompletionException(new HandshakeException(Reason.SELF,
                    "connected to ourselves (" + ourId + ") at " + remote));
        }
        try {
            ourInfo.get().checkCompatibleWith(info);
        } catch (RuntimeException e) {
            throw new java.util.concurrent.CompletionException(new HandshakeException(Reason.INCOMPATIBLE,
                    "peer " + info.id() + " is incompatible: " + e.getMessage(), e));
        }
        return new UpgradedConnection(channel, authenticated, info, outbound, remote);
    }

    private CompletableFuture<Void> runFilters(InetSocketAddress remote) {
        if (filters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> checks = filters.stream().map(filter -> runFilter(filter, remote)).toList();
        // passes when every check passes, fails with the first refusal (allOf would wait for all)
        CompletableFuture<Void> all = new CompletableFuture<>();
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenRun(() -> all.complete(null));
        checks.forEach(check -> check.exceptionally(e -> {
            all.completeExceptionally(e);
            return null;
        }));
        return all.orTimeout(settings.filter().toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(e -> {
            Throwable cause = CompletionCause.of(e);
            checks.forEach(check -> check.completeExceptionally(cause)); // interrupts the ones still running
            if (cause instanceof TimeoutException) {
                return CompletableFuture.failedFuture(new HandshakeException(Reason.FILTERED,
                        "connection from " + remote + " refused: filter timeout after "
                                + settings.filter().toMillis() + " ms"));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** One filter on a virtual thread of its own; completing the result early interrupts it. */
    private CompletableFuture<Void> runFilter(ConnectionFilter filter, InetSocketAddress remote) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Future<?> task = filterThreads.submit(() -> {
            try {
                filter.check(remote);
                result.complete(null);
            } catch (Exception e) {
                result.completeExceptionally(new HandshakeException(Reason.FILTERED,
                        "connection from " + remote + " refused by a filter: " + e.getMessage(), e));
            }
        });
        result.whenComplete((ok, error) -> {
            if (error != null) {
                task.cancel(true); // timed out or another filter refused: stop waiting for this one
            }
        });
        return result;
    }

    private static HandshakeException asHandshakeException(Throwable error) {
        Throwable e = CompletionCause.of(error);
        if (e instanceof HandshakeException h) {
            return h;
        }
        if (e instanceof TimeoutException) {
            return new HandshakeException(Reason.TIMEOUT, "handshake timed out", e);
        }
        return new HandshakeException(Reason.AUTHENTICATION, "handshake failed: " + e.getMessage(), e);
    }

    private InetSocketAddress remoteOf(Channel channel) {
        SocketAddress address = channel.remoteAddress();
        if (address instanceof InetSocketAddress inet) {
            return inet;
        }
        return new InetSocketAddress("127.0.0.1", 0);
    }

    private static LocalAddress localAddress(int port) {
        return new LocalAddress("p2p4j-memory-" + port);
    }

    /** Stops listening; dialed and accepted channels are closed by their owners. */
    public void stopListening() {
        Channel current = listener;
        if (current != null) {
            current.close().syncUninterruptibly();
            listener = null;
        }
    }

    /** Notes a new connection; one that appears while the transport closes is closed at once. */
    private void track(Channel ch) {
        open.add(ch);
        ch.closeFuture().addListener(f -> open.remove(ch));
        if (closing) {
            ch.close();
        }
    }

    /**
     * Stops listening, closes every connection and shuts its own event loops down, waiting for
     * them. A connection that was still being set up when the event loops stopped (a dial or accept
     * racing the close) is closed directly, so no socket outlives the transport. With shared event
     * loops, waits for its connections to close instead; one that appears later is closed as it
     * appears.
     */
    @Override
    public void close() {
        closing = true;
        stopListening();
        for (Channel ch : List.copyOf(open)) {
            ch.close();
        }
        if (!ownsGroup) {
            for (Channel ch : List.copyOf(open)) {
                ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
            filterThreads.shutdownNow();
            return;
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        for (Channel ch : List.copyOf(open)) {
            if (ch.isOpen()) {
                ch.unsafe().closeForcibly(); // its event loop is gone: close the socket itself
            }
            open.remove(ch);
        }
        filterThreads.shutdownNow();
    }
}
