package io.p2p4j.conn;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue of whole messages waiting to be sent on one channel: at most
 * {@code capacity} messages and, unless the queue is empty, at most {@code byteCapacity} bytes of
 * them (a message larger than that still goes, alone). Producers are any
 * threads (virtual threads included: it blocks on a {@link ReentrantLock}, never in
 * {@code synchronized}); the consumer is the connection's event loop. Closing it wakes every
 * blocked producer, which then returns false.
 *
 * <p>Producers that wait for room are served in the order they came, and one that arrives while
 * others wait queues behind them. Without that, a thread sending in a loop takes every place
 * that frees up before a woken waiter gets the lock back, and a reactor answering on the same
 * channel waits out its timeout (measured: two nodes answering each other's requests while each
 * also sends requests in a loop stalled with sends failing after 10 s).
 *
 * <p>Locking: {@link #lock} guards the messages, the waiters and {@code closed}; nothing blocks
 * under it except the waits on a waiter's own condition, which release it.
 */
final class SendQueue {
    private final int capacity;
    private final long byteCapacity;
    private final int lowWater;
    private final long byteLowWater;
    private final ArrayDeque<byte[]> messages;
    private final ReentrantLock lock = new ReentrantLock();
    /** Producers waiting for room, oldest first; only the first may take a place. */
    private final ArrayDeque<Condition> waiters = new ArrayDeque<>();
    private volatile int size;
    private volatile long bytes;
    /** Bytes of every message queued since the start; written under the lock by the producer that queues. */
    private volatile long bytesQueued;
    private boolean closed;

    SendQueue(int capacity, long byteCapacity) {
        this.capacity = capacity;
        this.byteCapacity = byteCapacity;
        this.lowWater = capacity / 2;
        this.byteLowWater = byteCapacity / 2;
        this.messages = new ArrayDeque<>(Math.min(capacity, 16));
    }

    /** Queues the message if there is room now. Never blocks. */
    boolean tryOffer(byte[] message) {
        lock.lock();
        try {
            if (closed || !fits(message)) {
                return false;
            }
            add(message);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutNanos} for room, then queues the message; producers that wait are
     * served first come, first served. Returns false on timeout, when the queue is closed (also
     * while waiting), or when the thread is interrupted (its interrupt status is kept).
     */
    boolean offer(byte[] message, long timeoutNanos) {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            if (closed) {
                return false;
            }
            if (waiters.isEmpty() && fits(message)) {
                add(message);
                return true;
            }
            return awaitTurn(message, timeoutNanos);
        } finally {
            lock.unlock();
        }
    }

    /** Queues behind the producers already waiting and adds the message when its turn and a place come. */
    private boolean awaitTurn(byte[] message, long timeoutNanos) {
        Condition turn = lock.newCondition();
        waiters.addLast(turn);
        long remaining = timeoutNanos;
        try {
            while (!closed) {
                if (waiters.peekFirst() == turn && fits(message)) {
                    add(message);
                    return true;
                }
                if (remaining <= 0) {
                    return false;
                }
                remaining = turn.awaitNanos(remaining);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            boolean wasFirst = waiters.peekFirst() == turn;
            waiters.remove(turn);
            if (wasFirst) {
                wakeFirstWaiterIfRoom(); // pass the turn on, whether this one queued or gave up
            }
        }
    }

    /** Room for {@code message}: a place, and its bytes within the bound unless the queue is empty. */
    private boolean fits(byte[] message) {
        return messages.size() < capacity && (messages.isEmpty() || bytes + message.length <= byteCapacity);
    }

    /** Some room: the first waiter checks whether its message fits, and waits again if not. */
    private void wakeFirstWaiterIfRoom() {
        Condition first = waiters.peekFirst();
        if (first != null && messages.size() < capacity && (messages.isEmpty() || bytes < byteCapacity)) {
            first.signal();
        }
    }

    /** True if a message of {@code length} bytes would be queued now (a snapshot; races with producers). */
    boolean hasRoomFor(int length) {
        int n = size;
        return n < capacity && (n == 0 || bytes + length <= byteCapacity);
    }

    /**
     * Takes the oldest message, or null. Waiting producers are woken when the queue has drained
     * to half its capacity, in messages and in bytes, rather than at every message: the first of
     * them is woken, fills a place and wakes the next while there is room, instead of a park and
     * an unpark per message (small messages never come near the byte bound, so waking on either
     * half alone would wake a producer at every message).
     */
    byte[] poll() {
        if (size == 0) {
            return null;
        }
        lock.lock();
        try {
            byte[] message = messages.poll();
            if (message != null) {
                size = messages.size();
                bytes -= message.length;
                if (size <= lowWater && bytes <= byteLowWater) {
                    wakeFirstWaiterIfRoom();
                }
            }
            return message;
        } finally {
            lock.unlock();
        }
    }

    /** Producers waiting for room. */
    int waitingProducers() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    /** Messages waiting; a snapshot. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Drops every waiting message and makes producers, waiting or future, return false. */
    void close() {
        lock.lock();
        try {
            closed = true;
            messages.clear();
            size = 0;
            bytes = 0;
            waiters.forEach(Condition::signal);
        } finally {
            lock.unlock();
        }
    }

    private void add(byte[] message) {
        messages.add(message);
        size = messages.size();
        bytes += message.length;
        bytesQueued += message.length;
    }

    /** Bytes of the messages waiting; a snapshot. */
    long bytes() {
        return bytes;
    }

    /** Bytes of all the messages ever queued, sent or not yet (nor ever, if the queue was closed first). */
    long bytesQueued() {
        return bytesQueued;
    }

    static long toNanos(java.time.Duration timeout) {
        return TimeUnit.NANOSECONDS.convert(timeout);
    }
}
