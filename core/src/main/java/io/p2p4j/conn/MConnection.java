package io.p2p4j.conn;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.p2p4j.conn.ChannelDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Many logical channels over one Netty channel, as CometBFT's MConnection: each message is cut
 * into packets of at most {@link MConnectionConfig#maxPacketMsgPayloadSize()} bytes, the channel
 * with the lowest recently-sent/priority ratio sends next, the receiver reassembles messages per
 * channel and hands each whole message to the {@link Receiver}. Pings keep the connection alive;
 * send and receive rates are limited by token buckets.
 *
 * <p><b>Threading.</b> {@link #send}, {@link #trySend}, {@link #status} and {@link #close} may be
 * called from any thread. All connection state lives on the channel's event loop, and the
 * {@link Receiver} and the error handler are called there: they must not block (the peer layer
 * puts a mailbox in front of user code). Use {@link #pauseReading()} to hold the peer back while
 * a consumer catches up.
 *
 * <p><b>Ending.</b> The connection ends on the first error (the error handler is then called
 * exactly once with an {@link MConnectionException} or the socket's exception) or on
 * {@link #close()} (no error reported). Either way the Netty channel is closed, waiting senders
 * return false, and queued messages are dropped.
 *
 * <p><b>Time.</b> Every timer runs on the channel's event loop and every reading of the clock is
 * that loop's {@link io.netty.util.concurrent.Ticker}: on an {@code EmbeddedChannel} with frozen
 * time ({@code freezeTime}, {@code advanceTimeBy}) keepalive, flushing, rate limits and the
 * statistics follow the test's clock exactly.
 */
public final class MConnection implements AutoCloseable {

    /** Receives whole messages, on the event loop. An exception thrown ends the connection. */
    @FunctionalInterface
    public interface Receiver {
        void receive(byte channelId, byte[] message) throws Exception;
    }

    private final Channel channel;
    private final MConnectionConfig config;
    private final ChannelTable byId;
    private final List<ChannelState> ordered;
    private final MConnectionHandler handler;
    private final ReassemblyBudget reassembly;
    private final Consumer<Throwable> onError;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean draining;
    private volatile boolean lingering;
    /** How long a gracefully ended connection stays open (reading and dropping) after its last write. */
    static final Duration LINGER = Duration.ofMillis(500);
    private final long sendTimeoutNanos;
    private final long startNanos;

    private MConnection(Builder b) {
        this.channel = b.channel;
        this.startNanos = channel.eventLoop().ticker().nanoTime();
        this.config = b.config;
        this.onError = b.onError;
        this.sendTimeoutNanos = SendQueue.toNanos(config.sendTimeout());
        List<ChannelState> states = new ArrayList<>(b.channels.size());
        this.reassembly = new ReassemblyBudget(ReassemblyBudget.effectiveLimit(config.maxReassemblyBytes(), b.channels),
                () -> states.forEach(ChannelState::dropIdleBuffer));
        for (ChannelDescriptor descriptor : b.channels) {
            states.add(new ChannelState(descriptor, config.maxPacketMsgPayloadSize(), reassembly));
        }
        this.byId = new ChannelTable(states);
        this.ordered = List.copyOf(states);
        this.handler = new MConnectionHandler(this, byId, ordered, config, b.receiver);
    }

    /** Starts building a connection over an active Netty channel. */
    public static Builder builder(Channel channel) {
        return new Builder(channel);
    }

    /**
     * Queues a message, waiting up to the send timeout for room in the channel's queue.
     * The connection takes the array: do not change it afterwards.
     *
     * @return true once queued (not yet sent); false on timeout, for an unknown channel, or
     *         when the connection has stopped (also while waiting)
     */
    public boolean send(byte channelId, byte[] message) {
        Objects.requireNonNull(message, "message");
        ChannelState state = byId.get(Byte.toUnsignedInt(channelId));
        if (state == null || stopped.get() || draining) {
            return false;
        }
        if (!state.queue.offer(message, sendTimeoutNanos)) {
            return false;
        }
        handler.wake();
        return true;
    }

    /**
     * Queues a message if its channel's queue has room now; never blocks. The connection takes
     * the array: do not change it afterwards.
     *
     * @return true once queued; false if the queue is full, the channel unknown, or the
     *         connection stopped
     */
    public boolean trySend(byte channelId, byte[] message) {
        Objects.requireNonNull(message, "message");
        ChannelState state = byId.get(Byte.toUnsignedInt(channelId));
        if (state == null || stopped.get() || draining) {
            return false;
        }
        if (!state.queue.tryOffer(message)) {
            return false;
        }
        handler.wake();
        return true;
    }

    /**
     * True if a small message can be queued on this channel right now: there is a place, and the
     * queued bytes are under the channel's bound (a hint; races with senders).
     */
    public boolean canSend(byte channelId) {
        ChannelState state = byId.get(Byte.toUnsignedInt(channelId));
        return state != null && !stopped.get() && state.queue.hasRoomFor(1);
    }

    /** True until the connection ends. */
    public boolean isRunning() {
        return !stopped.get();
    }

    /** The channels of this connection, in registration order. */
    public List<ChannelDescriptor> channels() {
        return ordered.stream().map(s -> s.descriptor).toList();
    }

    /** The underlying Netty channel (for this package's handlers; users hold the channel they built it on). */
    Channel channel() {
        return channel;
    }

    /** The settings of this connection. */
    public MConnectionConfig config() {
        return config;
    }

    /** A snapshot of the traffic per channel. Thread-safe; counters may be a moment apart. */
    public ConnectionStatus status() {
        List<ChannelStatus> channels = new ArrayList<>(ordered.size());
        long sent = 0;
        long received = 0;
        for (ChannelState s : ordered) {
            channels.add(new ChannelStatus(s.id, s.descriptor.priority(), s.queue.size(),
                    s.descriptor.sendQueueCapacity(), s.queue.bytes(), s.recentlySent, s.bytesSent, s.messagesSent,
                    s.bytesReceived, s.messagesReceived, s.queue.bytesQueued(), s.messageBytesReceived,
                    handler.sendRate(s), handler.recvRate(s)));
            sent += s.bytesSent;
            received += s.bytesReceived;
        }
        Duration uptime = Duration.ofNanos(channel.eventLoop().ticker().nanoTime() - startNanos);
        return new ConnectionStatus(uptime, handler.totalSendRate(),
                handler.totalRecvRate(), sent, received, reassembly.used(), reassembly.limit(), channels);
    }

    /** Stops reading from the peer until {@link #resumeReading()}; for a consumer that is behind. */
    public void pauseReading() {
        if (channel.eventLoop().inEventLoop()) {
            handler.pauseForConsumer(); // at once: the rest of the current read is all that still comes
        } else {
            channel.eventLoop().execute(handler::pauseForConsumer);
        }
    }

    /** Resumes reading after {@link #pauseReading()}. */
    public void resumeReading() {
        channel.eventLoop().execute(handler::resumeForConsumer);
    }

    /**
     * Ends the connection without reporting an error: closes the Netty channel, wakes waiting
     * senders (they return false) and drops queued messages. Idempotent; does not block.
     */
    @Override
    public void close() {
        stop(null);
    }

    /**
     * Ends the connection after sending what is already queued, as CometBFT's seed mode does
     * after answering a peer: new sends are refused at once, the queues are written out and
     * flushed, then the connection closes without reporting an error. If that takes longer
     * than {@code timeout}, the connection is closed anyway. Does not block.
     */
    public void flushAndClose(Duration timeout) {
        if (stopped.get() || draining) {
            return;
        }
        draining = true;
        channel.eventLoop().execute(handler::closeWhenDrained);
        channel.eventLoop().schedule(this::close, timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    boolean isDraining() {
        return draining;
    }

    /** Ends the connection because of {@code cause}, reporting it once to the error handler. */
    void fail(Throwable cause) {
        stop(cause);
    }

    /**
     * Ends a drained connection gracefully: our side of the socket is shut (the peer reads what
     * we sent, then end of stream) and the channel closes a moment later. Closing at once could
     * make the kernel answer the peer's late bytes with a reset, which discards data the peer has
     * received but not yet read.
     */
    void closeDrained() {
        lingering = true;
        stop(null);
    }

    private void stop(Throwable cause) {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        for (ChannelState state : ordered) {
            state.queue.close();
        }
        if (channel.eventLoop().inEventLoop()) {
            finish(cause);
        } else {
            channel.eventLoop().execute(() -> finish(cause));
        }
    }

    private void finish(Throwable cause) {
        handler.stopTimers();
        for (ChannelState state : ordered) {
            state.release();
        }
        if (lingering && channel instanceof io.netty.channel.socket.DuplexChannel duplex && channel.isActive()) {
            duplex.shutdownOutput();
            channel.eventLoop().schedule(() -> channel.close(), LINGER.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            channel.close();
        }
        if (cause != null) {
            onError.accept(cause);
        }
    }

    /**
     * Installs the connection's handlers: first in the pipeline, in front of whatever the channel
     * has (a SecretConnection), the receive rate limit and the read gate, so that the rate counts
     * every byte read from the socket and no handler can read on through a pause; last, the packet
     * decoder, which reassembles messages straight out of the read buffers, and the handler.
     */
    private void start() {
        Runnable install = () -> {
            ChannelPipeline pipeline = channel.pipeline();
            ReadGate gate = handler.readGate();
            pipeline.addFirst("mconn-read-gate", gate);
            if (config.recvRate() > 0) {
                pipeline.addFirst("mconn-recv-rate", new ReceiveRateLimiter(
                        new TokenBucket(config.recvRate(), channel.eventLoop().ticker()::nanoTime), gate));
            }
            pipeline.addLast("mconn-decoder", new PacketDecoder(config.maxPacketSize(), handler::reassemble));
            pipeline.addLast("mconn", handler);
            channel.config().setAutoRead(true);
        };
        if (channel.eventLoop().inEventLoop()) {
            install.run();
        } else {
            // Wait for the handlers: a caller that goes on to tell the peer to start sending must
            // not race the installation (the event loop runs ready reads before queued tasks).
            channel.eventLoop().submit(install).syncUninterruptibly();
        }
    }

    /** Builds and starts an {@link MConnection}. Not thread-safe. */
    public static final class Builder {
        private final Channel channel;
        private final List<ChannelDescriptor> channels = new ArrayList<>();
        private MConnectionConfig config = MConnectionConfig.defaults();
        private Receiver receiver = (id, msg) -> { };
        private Consumer<Throwable> onError = e -> { };

        private Builder(Channel channel) {
            this.channel = Objects.requireNonNull(channel, "channel");
        }

        /** Adds channels, in order of registration (ties in the scheduler go to the first). */
        public Builder channels(List<ChannelDescriptor> descriptors) {
            channels.addAll(descriptors);
            return this;
        }

        /** Adds one channel. */
        public Builder channel(ChannelDescriptor descriptor) {
            channels.add(descriptor);
            return this;
        }

        /** Settings (default {@link MConnectionConfig#defaults()}). */
        public Builder config(MConnectionConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Called on the event loop with each whole message. */
        public Builder onReceive(Receiver receiver) {
            this.receiver = Objects.requireNonNull(receiver, "receiver");
            return this;
        }

        /** Called once, on the event loop, with the reason the connection ended. */
        public Builder onError(Consumer<Throwable> onError) {
            this.onError = Objects.requireNonNull(onError, "onError");
            return this;
        }

        /**
         * Adds the connection's handlers at the end of the channel's pipeline and starts it,
         * turning auto-read on. Create the channel with auto-read off so that nothing is read
         * before the handlers are in place. Called off the channel's event loop, it returns once
         * the handlers are installed, so the peer may be told to start sending right after.
         *
         * @throws IllegalArgumentException if there are no channels or one id is registered twice
         */
        public MConnection start() {
            if (channels.isEmpty()) {
                throw new IllegalArgumentException("an MConnection needs at least one channel");
            }
            MConnection connection = new MConnection(this);
            connection.start();
            return connection;
        }
    }
}
