package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.conn.MConnection;
import io.p2p4j.transport.UpgradedConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The switch's {@link Peer}: an upgraded connection, its MConnection, its inbound mailbox and
 * the bookkeeping of its lifecycle (which reactors were told about it, whether it is stopping).
 */
final class SwitchPeer implements Peer, Admission.Entry {
    private final UpgradedConnection connection;
    private final NetAddress remoteAddress;
    /** The switch's persistent ids, live: a connected peer can be made persistent at any time. */
    private final Set<NodeId> persistentIds;
    private final boolean[] theirChannels = new boolean[256];
    private final ReactorTable reactors;
    /** Tells the listeners of each message queued and delivered. */
    final MessageEvents messageEvents;
    private final Map<String, Object> data = new ConcurrentHashMap<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.ADMITTED);
    /** Held while reactors are told about the peer being added or removed, so the calls never cross. */
    final ReentrantLock lifecycle = new ReentrantLock();
    /** Reactors whose initPeer was called, in order; removePeer goes to these only. */
    final List<Reactor> initialized = new ArrayList<>();
    final BroadcastLane broadcastLane;
    volatile MConnection mconnection;
    volatile InboundMailbox mailbox;
    /** The reactor handling a message of this peer right now, and since when (for diagnostics). */
    volatile Reactor busyReactor;
    volatile long busySinceNanos;
    volatile boolean busyReported;

    SwitchPeer(UpgradedConnection connection, NetAddress remoteAddress, Set<NodeId> persistentIds,
            ReactorTable reactors, MessageEvents messageEvents) {
        this.connection = connection;
        this.remoteAddress = remoteAddress;
        this.persistentIds = persistentIds;
        this.reactors = reactors;
        this.messageEvents = messageEvents;
        for (byte id : connection.nodeInfo().channels()) {
            theirChannels[Byte.toUnsignedInt(id)] = true;
        }
        this.broadcastLane = new BroadcastLane(this);
    }

    UpgradedConnection connection() {
        return connection;
    }

    /**
     * Where a peer is in its life. It only moves forward: DIALING (an id we dial, in admission's
     * table as a {@link Admission.Dialing} entry: there is no SwitchPeer yet, so none is ever in
     * this state) → ADMITTED (the SwitchPeer in the table, being set up; an inbound one starts
     * here) → RUNNING (in the peer set, reactors and listeners told) → STOPPING → STOPPED; a peer
     * stopped while it is set up goes from ADMITTED to STOPPING and never runs.
     */
    enum State { DIALING, ADMITTED, RUNNING, STOPPING, STOPPED }

    @Override
    public State state() {
        return state.get();
    }

    /**
     * ADMITTED → RUNNING, by the switch's start of the peer with {@link #lifecycle} held; false
     * if a stop came first, and then the peer must not join the peer set.
     */
    boolean markRunning() {
        return state.compareAndSet(State.ADMITTED, State.RUNNING);
    }

    /**
     * ADMITTED or RUNNING → STOPPING, by whoever stops the peer first, without waiting for any
     * lock (so a stop is decided at once even while the start is busy in a reactor). Returns the
     * state it left, or null if the peer was already stopping: the caller that gets RUNNING
     * owes the listeners their peerRemoved.
     */
    State markStopping() {
        while (true) {
            State now = state.get();
            if (now == State.STOPPING || now == State.STOPPED) {
                return null;
            }
            if (state.compareAndSet(now, State.STOPPING)) {
                return now;
            }
        }
    }

    /** STOPPING → STOPPED, by the stopping caller with {@link #lifecycle} held, once every reactor was told. */
    void markStopped() {
        state.set(State.STOPPED);
    }

    private boolean stopping() {
        State now = state.get();
        return now == State.STOPPING || now == State.STOPPED;
    }

    @Override
    public NodeId id() {
        return connection.id();
    }

    @Override
    public NodeInfo nodeInfo() {
        return connection.nodeInfo();
    }

    @Override
    public NetAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public boolean isOutbound() {
        return connection.outbound();
    }

    @Override
    public boolean isPersistent() {
        return persistentIds.contains(id());
    }

    @Override
    public boolean isRunning() {
        MConnection c = mconnection;
        return state.get() == State.RUNNING && c != null && c.isRunning();
    }

    @Override
    public boolean send(byte channelId, byte[] message) {
        MConnection c = mconnection;
        if (!canSendOn(channelId) || c == null) {
            return false;
        }
        InboundMailbox delivering = InboundMailbox.deliveringOnThisThread();
        // a reactor waiting in a send must not leave the peer it is delivering for unread: that
        // peer may be blocked in a send to us, waiting for the very reading its mailbox paused
        boolean queued = delivering == null ? c.send(channelId, message)
                : c.trySend(channelId, message) || delivering.blockedInSend(() -> c.send(channelId, message));
        if (queued) {
            messageEvents.sent(this, channelId, message);
        }
        return queued;
    }

    @Override
    public boolean trySend(byte channelId, byte[] message) {
        MConnection c = mconnection;
        boolean queued = canSendOn(channelId) && c != null && c.trySend(channelId, message);
        if (queued) {
            messageEvents.sent(this, channelId, message);
        }
        return queued;
    }

    private boolean canSendOn(byte channelId) {
        return !stopping() && advertised(channelId);
    }

    /** True if the peer advertised the channel and a reactor of ours owns it (as CometBFT, the only ones we send on). */
    boolean advertised(byte channelId) {
        int id = Byte.toUnsignedInt(channelId);
        return theirChannels[id] && reactors.owner(channelId) != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(String key) {
        return (T) data.get(key);
    }

    @Override
    public void set(String key, Object value) {
        if (value == null) {
            data.remove(key);
        } else {
            data.put(key, value);
        }
    }

    /**
     * Makes reading from the peer follow its mailbox, paused while {@link InboundMailbox#readingPaused}
     * says so; from any thread, after each change. The state is read on the event loop, and every
     * resume (which MConnection queues) is followed by a second look, so a pause decided meanwhile
     * is never undone by a resume that was decided before it.
     */
    void syncReading() {
        io.netty.channel.EventLoop loop = connection.channel().eventLoop();
        if (loop.inEventLoop()) {
            applyReading(loop);
        } else {
            loop.execute(() -> applyReading(loop));
        }
    }

    private void applyReading(io.netty.channel.EventLoop loop) {
        MConnection c = mconnection;
        if (c == null) {
            return;
        }
        if (mailbox.readingPaused()) {
            c.pauseReading();
        } else {
            c.resumeReading();
            loop.execute(() -> {
                if (mailbox.readingPaused()) {
                    c.pauseReading();
                }
            });
        }
    }

    @Override
    public PeerStatus status() {
        MConnection c = mconnection;
        InboundMailbox m = mailbox;
        return new PeerStatus(c == null ? null : c.status(), m == null ? 0 : m.queuedBytes());
    }

    @Override
    public String toString() {
        return "Peer{" + id() + (isOutbound() ? " outbound " : " inbound ") + remoteAddress + "}";
    }
}
