package io.p2p4j;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A peer's share of {@link Switch#broadcast}: a short queue drained by one virtual thread that
 * sends with the peer's blocking {@code send}, so order is kept per peer and a slow peer never
 * holds up the others. A broadcaster never waits for room: when the queue is full the message is
 * dropped for this peer, as CometBFT's {@code TrySend}-style broadcast does, so a stalled peer
 * costs at most {@value #CAPACITY} queued messages and one blocked thread.
 */
final class BroadcastLane {
    private record Item(byte channelId, byte[] message) {}

    /** Enough to absorb a burst while the connection's own queue drains; a message is shared by all lanes. */
    static final int CAPACITY = 16;

    /** The peer's blocking send. */
    @FunctionalInterface
    interface Sender {
        boolean send(byte channelId, byte[] message);
    }

    private final String threadName;
    private final Sender sender;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private boolean closed;
    private Thread thread;

    BroadcastLane(SwitchPeer peer) {
        this("broadcast-" + peer.id(), peer::send);
    }

    /** A lane whose thread, named {@code threadName}, hands each message to {@code sender}. */
    BroadcastLane(String threadName, Sender sender) {
        this.threadName = threadName;
        this.sender = sender;
    }

    /** Queues the message if there is room now; false if the lane is full or closed. Never blocks. */
    boolean offer(byte channelId, byte[] message) {
        lock.lock();
        try {
            if (closed || items.size() >= CAPACITY) {
                return false;
            }
            if (thread == null) {
                thread = Thread.ofVirtual().name(threadName).start(this::run);
            }
            items.add(new Item(channelId, message));
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            items.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Item item;
            lock.lock();
            try {
                while (items.isEmpty() && !closed) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return;
                }
                item = items.poll();
            } finally {
                lock.unlock();
            }
            sender.send(item.channelId(), item.message());
        }
    }
}
