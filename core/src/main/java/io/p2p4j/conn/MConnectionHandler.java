package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionConfig.FlushPolicy;
import io.p2p4j.conn.MConnectionException.ConnectionClosedException;
import io.p2p4j.conn.MConnectionException.PongTimeoutException;
import io.p2p4j.conn.MConnectionException.UnknownChannelException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The event-loop side of an {@link MConnection}: writes packets in batches chosen by the
 * {@link ChannelScheduler} while the socket takes them, flushes by the flush policy, reassembles
 * and delivers incoming messages, answers pings and sends its own, and keeps the statistics.
 *
 * <p>Time is the event loop's: every timer is scheduled on it and every reading of the clock is
 * its {@link Ticker}, so on an {@code EmbeddedChannel} with frozen time the test's clock drives
 * the keepalive, the flush policy, the rate limits and the statistics alike.
 */
final class MConnectionHandler extends ChannelInboundHandlerAdapter {
    /** Bytes of packets gathered into one buffer before it is written. */
    static final int BATCH_BYTES = 64 * 1024;
    /** Unflushed bytes that force a flush whatever the policy. */
    static final int FLUSH_BYTES = 64 * 1024;
    /** Bytes written in one turn of the event loop before yielding to other work. */
    static final int BYTES_PER_TURN = 256 * 1024;
    /** Interval of the decay of recently-sent counts and of the rate statistics (CometBFT: 2 s). */
    static final long STATS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Under {@link FlushPolicy#WHEN_DRAINED}: a flush this recent means traffic is flowing. */
    static final long BUSY_WINDOW_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    /** Under {@link FlushPolicy#WHEN_DRAINED}: how long a busy connection gathers a batch. */
    static final long BUSY_FLUSH_DELAY_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final MConnection connection;
    private final ChannelTable byId;
    private final List<ChannelState> ordered;
    private final MConnectionConfig config;
    private final MConnection.Receiver receiver;
    private final ChannelScheduler scheduler;
    private final TokenBucket sendBucket;
    private final PingLimiter pingLimiter;
    private final EventLoop eventLoop;
    private final Ticker ticker;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Runnable writeTask = this::onWake;

    private ChannelHandlerContext ctx;
    private ReadGate readGate;
    private int unflushed;
    private long lastFlushNanos;
    private boolean rateRetryScheduled;
    private ScheduledFuture<?> flushTimer;
    private ScheduledFuture<?> pingTimer;
    private ScheduledFuture<?> pongTimer;
    private ScheduledFuture<?> statsTimer;
    /** A ping came and its pong is not yet written: pings of one read batch share one pong. */
    private boolean pongOwed;
    /** A pong is written and its write has not completed: no second one joins it. */
    private boolean pongInFlight;
    private boolean timersStarted;

    // Rate statistics, written at each statistics tick on the event loop.
    private long[] lastSent;
    private long[] lastReceived;
    private volatile long[] sendRates;
    private volatile long[] recvRates;
    private long lastStatsNanos;

    MConnectionHandler(MConnection connection, ChannelTable byId, List<ChannelState> ordered,
            MConnectionConfig config, MConnection.Receiver receiver) {
        this.connection = connection;
        this.byId = byId;
        this.ordered = ordered;
        this.config = config;
        this.receiver = receiver;
        this.scheduler = new ChannelScheduler(ordered);
        this.eventLoop = connection.channel().eventLoop();
        this.ticker = eventLoop.ticker();
        this.sendBucket = new TokenBucket(config.sendRate(), ticker::nanoTime);
        this.pingLimiter = new PingLimiter(config.maxPingsPerSecond(), ticker::nanoTime);
        this.lastFlushNanos = ticker.nanoTime() - BUSY_WINDOW_NANOS;
        this.readGate = new ReadGate(connection.channel());
        int n = ordered.size();
        this.lastSent = new long[n];
        this.lastReceived = new long[n];
        this.sendRates = new long[n];
        this.recvRates = new long[n];
    }

    ReadGate readGate() {
        return readGate;
    }

    // ---- lifecycle -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (!ctx.channel().isOpen()) {
            connection.fail(new ConnectionClosedException("connection closed by the peer before it started", null));
            return;
        }
        if (ctx.channel().isActive()) {
            startTimers();
        }
        writePending();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startTimers();
        ctx.fireChannelActive();
    }

    private void startTimers() {
        if (timersStarted || !connection.isRunning()) {
            return;
        }
        timersStarted = true;
        long ping = config.pingInterval().toNanos();
        pingTimer = eventLoop.scheduleAtFixedRate(this::sendPing, ping, ping, TimeUnit.NANOSECONDS);
        lastStatsNanos = ticker.nanoTime();
        statsTimer = eventLoop.scheduleAtFixedRate(this::updateStats, STATS_INTERVAL_NANOS, STATS_INTERVAL_NANOS,
                TimeUnit.NANOSECONDS);
    }

    void stopTimers() {
        cancel(pingTimer);
        cancel(pongTimer);
        cancel(statsTimer);
        cancel(flushTimer);
        pingTimer = pongTimer = statsTimer = flushTimer = null;
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.fail(new ConnectionClosedException("connection closed by the peer", null));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reason = cause;
        if (cause instanceof DecoderException && cause.getCause() != null) {
            reason = cause.getCause();
        }
        if (!(reason instanceof MConnectionException) && reason instanceof IOException io) {
            reason = new ConnectionClosedException("connection failed: " + io.getMessage(), io);
        }
        connection.fail(reason);
    }

    // ---- reading ---------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof InboundPacket packet)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!connection.isRunning()) {
            return; // nothing is delivered after the connection ended
        }
        switch (packet) {
            case InboundPacket.Message m -> deliver(m);
            case InboundPacket.Ping p -> {
                pingLimiter.admit();
                pongOwed = true; // answered once the read batch ends, however many pings it held
            }
            case InboundPacket.Pong p -> {
                cancel(pongTimer);
                pongTimer = null;
            }
            case InboundPacket.Msg m -> throw new IllegalStateException(
                    "a packet's piece reached the connection: its decoder must reassemble (see reassemble)");
        }
    }

    /**
     * The decoder's sink: adds a packet's data, still in the read buffer, to its channel's
     * message; returns the message once whole, else null. Nothing is kept once the connection
     * has ended.
     */
    InboundPacket reassemble(int id, boolean eof, ByteBuf in, int index, int length) throws MConnectionException {
        if (!connection.isRunning()) {
            return null;
        }
        if (id < 0 || id > 255) {
            throw new UnknownChannelException("channel id " + id + " out of range");
        }
        ChannelState channel = byId.get(id);
        if (channel == null) {
            throw new UnknownChannelException("unknown channel " + ChannelDescriptor.format(id));
        }
        int packetBytes = PacketCodec.delimitedSize(id, eof, length);
        byte[] message = channel.receivePacket(in, index, length, eof, packetBytes);
        return message == null ? null : new InboundPacket.Message(id, message);
    }

    private void deliver(InboundPacket.Message message) throws MConnectionException {
        int id = message.channelId();
        try {
            receiver.receive((byte) id, message.data());
        } catch (Exception e) {
            throw new MConnectionException("receiving a message on channel " + ChannelDescriptor.format(id)
                    + " failed: " + e, e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        sendOwedPong();
        ctx.fireChannelReadComplete();
    }

    void pauseForConsumer() {
        readGate.pause(ReadGate.CONSUMER);
    }

    void resumeForConsumer() {
        readGate.resume(ReadGate.CONSUMER);
    }

    // ---- writing ---------------------------------------------------------------------------

    /** Makes sure the writer runs soon; from any thread, at most one pending wake-up. */
    void wake() {
        if (wakePending.compareAndSet(false, true)) {
            eventLoop.execute(writeTask);
        }
    }

    private void onWake() {
        wakePending.set(false);
        writePending();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            sendOwedPong();
            writePending();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Writes packets while there are any, the socket takes them and the rate allows. */
    private void writePending() {
        if (ctx == null || !connection.isRunning() || rateRetryScheduled) {
            return;
        }
        int budget = BYTES_PER_TURN;
        ByteBuf out = null;
        boolean yielded = false;
        try {
            while (true) {
                if (!ctx.channel().isWritable()) {
                    if (out != null) {
                        writeOut(out);
                        out = null;
                    }
                    flushNow(); // our own unflushed bytes may be what holds writability down
                    if (!ctx.channel().isWritable()) {
                        break; // channelWritabilityChanged resumes us
                    }
                }
                long delay = sendBucket.delayNanos();
                if (delay > 0) {
                    rateRetryScheduled = true;
                    eventLoop.schedule(this::retryAfterRateLimit, delay, TimeUnit.NANOSECONDS);
                    break;
                }
                ChannelState channel = scheduler.next();
                if (channel == null) {
                    break;
                }
                if (budget <= 0) {
                    yielded = true;
                    break;
                }
                if (out != null && out.writableBytes() < channel.maxPacketBytes()) {
                    writeOut(out);
                    out = null;
                }
                if (out == null) {
                    out = ctx.alloc().buffer(BATCH_BYTES);
                }
                int written = channel.writeNextPacket(out);
                sendBucket.take(written);
                budget -= written;
            }
        } finally {
            if (out != null) {
                writeOut(out);
            }
        }
        if (yielded) {
            wake(); // let other work on this event loop run, then continue
        }
        if (connection.isDraining() && scheduler.next() == null) {
            flushNow();
            ctx.channel().eventLoop().execute(connection::closeDrained); // after the flush is handed on
            return;
        }
        flushByPolicy(yielded);
    }

    /** Starts writing out what is queued, after which the connection closes (see writePending). */
    void closeWhenDrained() {
        writePending();
    }

    private void retryAfterRateLimit() {
        rateRetryScheduled = false;
        writePending();
    }

    private void writeOut(ByteBuf out) {
        if (!out.isReadable()) {
            out.release();
            return;
        }
        unflushed += out.readableBytes();
        ctx.write(out, ctx.voidPromise());
        if (unflushed >= FLUSH_BYTES) {
            flushNow();
        }
    }

    private void flushByPolicy(boolean moreToCome) {
        if (unflushed == 0) {
            return;
        }
        if (config.flushPolicy() == FlushPolicy.WHEN_DRAINED && !moreToCome) {
            long now = ticker.nanoTime();
            if (now - lastFlushNanos >= BUSY_WINDOW_NANOS) {
                flushNow(); // the connection was quiet: deliver this at once
            } else if (flushTimer == null) {
                // traffic is flowing: give the senders a moment to add to this batch
                flushTimer = eventLoop.schedule(this::onFlushTimer, BUSY_FLUSH_DELAY_NANOS, TimeUnit.NANOSECONDS);
            }
        } else if (flushTimer == null) {
            flushTimer = eventLoop.schedule(this::onFlushTimer, config.flushThrottle().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    private void onFlushTimer() {
        flushTimer = null;
        flushNow();
    }

    private void flushNow() {
        // the timer goes first: the flush may hand control back to writePending (writability),
        // and a timer it schedules then for what it writes must survive this call
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        if (unflushed > 0) {
            unflushed = 0;
            lastFlushNanos = ticker.nanoTime();
            ctx.flush();
        }
    }

    // ---- keepalive -------------------------------------------------------------------------

    private void sendPing() {
        if (!connection.isRunning()) {
            return;
        }
        ctx.writeAndFlush(Unpooled.wrappedBuffer(PacketCodec.PING)).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        unflushed = 0;
        // The timer starts when the ping is written, not when the socket takes it: a peer that
        // stops reading is as dead as one that stops answering.
        if (pongTimer == null) {
            long timeout = config.pongTimeout().toNanos();
            pongTimer = eventLoop.schedule(this::onPongTimeout, timeout, TimeUnit.NANOSECONDS);
        }
    }

    private void onPongTimeout() {
        pongTimer = null;
        connection.fail(new PongTimeoutException("pong not received within " + format(config.pongTimeout())));
    }

    /**
     * Writes the one pong owed for the pings read so far, unless one is still on its way or the
     * socket is full (then it waits for the write to complete, or for writability): a peer that
     * pings without reading gets at most one pong queued, a peer that floods gets one per read
     * batch, each with the one flush it costs.
     */
    private void sendOwedPong() {
        if (!pongOwed || pongInFlight || !connection.isRunning() || !ctx.channel().isWritable()) {
            return;
        }
        pongOwed = false;
        pongInFlight = true;
        ctx.writeAndFlush(Unpooled.wrappedBuffer(PacketCodec.PONG)).addListener(f -> {
            pongInFlight = false;
            if (f.isSuccess()) {
                sendOwedPong();
            } else {
                exceptionCaught(ctx, f.cause());
            }
        });
        unflushed = 0;
    }

    private static String format(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    // ---- statistics ------------------------------------------------------------------------

    private void updateStats() {
        scheduler.decay();
        long now = ticker.nanoTime();
        double seconds = Math.max(1e-9, (now - lastStatsNanos) / 1e9);
        lastStatsNanos = now;
        long[] send = new long[ordered.size()];
        long[] recv = new long[ordered.size()];
        for (int i = 0; i < ordered.size(); i++) {
            ChannelState s = ordered.get(i);
            long sent = s.bytesSent;
            long received = s.bytesReceived;
            send[i] = (long) ((sent - lastSent[i]) / seconds);
            recv[i] = (long) ((received - lastReceived[i]) / seconds);
            lastSent[i] = sent;
            lastReceived[i] = received;
        }
        sendRates = send;
        recvRates = recv;
    }

    long sendRate(ChannelState state) {
        return sendRates[ordered.indexOf(state)];
    }

    long recvRate(ChannelState state) {
        return recvRates[ordered.indexOf(state)];
    }

    long totalSendRate() {
        long total = 0;
        for (long r : sendRates) {
            total += r;
        }
        return total;
    }

    long totalRecvRate() {
        long total = 0;
        for (long r : recvRates) {
            total += r;
        }
        return total;
    }
}
