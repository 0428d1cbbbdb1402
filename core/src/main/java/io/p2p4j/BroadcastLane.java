package io.p2p4j;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A peer's share of {@link Switch#broadcast}: a short queue drained by one virtual thread that
 * sends with the peer's blocking {@code send}, so one slow peer never holds up the others and
 * order is kept per peer. The queue is bounded; a broadcaster waits for room (up to its deadline)
 * unless the lane is stalled, i.e. a wait for it already timed out and it has not drained since:
 * then the message is dropped for this peer at once, as CometBFT's broadcast gives up on a peer
 * after the send timeout.
 */
final class BroadcastLane {
    private record Item(byte channelId, byte[] message) {}

    private static final int CAPACITY = 16;

    private final SwitchPeer peer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private boolean stalled;
    private boolean closed;
    private Thread thread;

    BroadcastLane(SwitchPeer peer) {
        this.peer = peer;
    }

    /** What {@link #offerNow} did. */
    enum Outcome { ACCEPTED, FULL, DROPPED }

    /** Queues the message if there is room now; a full lane that is stalled drops it at once. */
    Outcome offerNow(byte channelId, byte[] message) {
        lock.lock();
        try {
            if (closed) {
                return Outcome.DROPPED;
            }
            if (thread == null) {
                thread = Thread.ofVirtual().name("broadcast-" + peer.id()).start(this::run);
            }
            if (items.size() >= CAPACITY) {
                return stalled ? Outcome.DROPPED : Outcome.FULL;
            }
            items.add(new Item(channelId, message));
            changed.signalAll();
            return Outcome.ACCEPTED;
        } finally {
            lock.unlock();
        }
    }

    /** Queues a message for the peer, waiting until {@code deadlineNanos} for room. */
    boolean offer(byte channelId, byte[] message, long deadlineNanos) {
        lock.lock();
        try {
            if (thread == null && !closed) {
                thread = Thread.ofVirtual().name("broadcast-" + peer.id()).start(this::run);
            }
            while (!closed && items.size() >= CAPACITY) {
                long remaining = deadlineNanos - System.nanoTime();
                if (stalled || remaining <= 0) {
                    stalled = true;
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            if (closed) {
                return false;
            }
            items.add(new Item(channelId, message));
            changed.signalAll();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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
                if (items.size() <= CAPACITY / 2) {
                    stalled = false;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            peer.send(item.channelId(), item.message());
        }
    }
}
