package io.p2p4j;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One peer's inbound messages on their way to the reactors: the event loop puts them in, a
 * virtual thread of the peer's own takes them out and calls the reactors, in order. Reactor code
 * may therefore block (on {@code send}, say) without holding up any event loop or other peer.
 * The thread runs only while there is something to deliver: it starts when a message arrives to
 * an empty mailbox and ends when the mailbox is empty again, so an idle peer holds no thread
 * (deliveries stay one at a time and in order; they need not all run on the same thread).
 *
 * <p>Backpressure: when the bytes waiting pass the bound, {@code onFull} runs (the connection
 * stops reading from the peer); once they fall to half the bound, {@code onDrained} runs (reading
 * resumes). A message is never refused, so memory stays within the bound plus one message.
 */
final class InboundMailbox {

    /** What the mailbox delivers to, on the mailbox's thread. */
    @FunctionalInterface
    interface Delivery {
        void deliver(byte channelId, byte[] message) throws Exception;
    }

    private record Item(byte channelId, byte[] message) {}

    private final String name;
    private final long boundBytes;
    private final Delivery delivery;
    private final Runnable onFull;
    private final Runnable onDrained;
    private final java.util.function.Consumer<Throwable> onFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private long queuedBytes;
    private boolean full;
    private boolean closed;
    private boolean closing;
    private boolean delivering;
    private boolean started;
    /** The thread delivering now, or null when the mailbox is empty (or not started). */
    private Thread thread;

    InboundMailbox(String name, long boundBytes, Delivery delivery, Runnable onFull, Runnable onDrained,
            java.util.function.Consumer<Throwable> onFailure) {
        this.name = name;
        this.boundBytes = boundBytes;
        this.delivery = delivery;
        this.onFull = onFull;
        this.onDrained = onDrained;
        this.onFailure = onFailure;
    }

    /** Starts delivering: what was put before now, and everything after as it comes. */
    void start() {
        lock.lock();
        try {
            started = true;
            startDeliveringIfNeeded();
        } finally {
            lock.unlock();
        }
    }

    /** With the lock held: a thread to deliver what is waiting, unless one is at it already. */
    private void startDeliveringIfNeeded() {
        if (started && thread == null && !closed && !items.isEmpty()) {
            thread = Thread.ofVirtual().name(name).start(this::run);
        }
    }

    /** Adds a message; never blocks (called on the event loop). Ignored once closed. */
    void put(byte channelId, byte[] message) {
        boolean becameFull = false;
        lock.lock();
        try {
            if (closed || closing) {
                return;
            }
            items.add(new Item(channelId, message));
            queuedBytes += message.length;
            if (!full && queuedBytes > boundBytes) {
                full = true;
                becameFull = true;
            }
            startDeliveringIfNeeded();
        } finally {
            lock.unlock();
        }
        if (becameFull) {
            onFull.run();
        }
    }

    /** Bytes waiting to be delivered. */
    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking messages, lets the ones already received be delivered (a peer's last words
     * before it closed still count), and waits up to {@code timeout} for that; what is left then
     * is dropped and a reactor still busy is interrupted and left behind. Returns true if the
     * mailbox finished in time. Called from a delivery itself, it returns at once and the rest is
     * dropped.
     */
    boolean close(Duration timeout) {
        Thread current = Thread.currentThread();
        lock.lock();
        try {
            closing = true;
            if (thread == current || thread == null) { // a delivery closing its own peer, or nothing under way
                closed = true;
                items.clear();
                queuedBytes = 0;
                return true;
            }
            long remaining = timeout.toNanos();
            while ((delivering || !items.isEmpty()) && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
            boolean finished = !delivering && items.isEmpty();
            closed = true;
            items.clear();
            queuedBytes = 0;
            if (!finished && thread != null) {
                thread.interrupt();
            }
            return finished;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            items.clear();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Item item;
            boolean drained = false;
            lock.lock();
            try {
                if (closed || items.isEmpty()) {
                    thread = null; // the next message to arrive starts a new thread
                    idle.signalAll();
                    return;
                }
                item = items.poll();
                queuedBytes -= item.message().length;
                if (full && queuedBytes <= boundBytes / 2) {
                    full = false;
                    drained = true;
                }
                delivering = true;
            } finally {
                lock.unlock();
            }
            if (drained) {
                onDrained.run();
            }
            try {
                delivery.deliver(item.channelId(), item.message());
            } catch (Throwable t) {
                onFailure.accept(t);
            } finally {
                lock.lock();
                try {
                    delivering = false;
                    idle.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
