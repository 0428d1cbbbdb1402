package io.p2p4j.conn;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue of whole messages waiting to be sent on one channel. Producers are any
 * threads (virtual threads included: it blocks on a {@link ReentrantLock}, never in
 * {@code synchronized}); the consumer is the connection's event loop. Closing it wakes every
 * blocked producer, which then returns false.
 */
final class SendQueue {
    private final int capacity;
    private final int lowWater;
    private final ArrayDeque<byte[]> messages;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private volatile int size;
    private volatile long bytes;
    private boolean closed;

    SendQueue(int capacity) {
        this.capacity = capacity;
        this.lowWater = capacity / 2;
        this.messages = new ArrayDeque<>(Math.min(capacity, 16));
    }

    /** Queues the message if there is room now. Never blocks. */
    boolean tryOffer(byte[] message) {
        lock.lock();
        try {
            if (closed || messages.size() >= capacity) {
                return false;
            }
            add(message);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutNanos} for room, then queues the message. Returns false on
     * timeout, when the queue is closed (also while waiting), or when the thread is interrupted
     * (its interrupt status is kept).
     */
    boolean offer(byte[] message, long timeoutNanos) {
        long remaining = timeoutNanos;
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            while (!closed && messages.size() >= capacity) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = notFull.awaitNanos(remaining);
            }
            if (closed) {
                return false;
            }
            add(message);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the oldest message, or null. Waiting producers are woken when the queue has drained
     * to half its capacity rather than at every message: one wake-up then lets them refill
     * several places, instead of a park and an unpark per message.
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
                if (size <= lowWater) {
                    notFull.signalAll();
                }
            }
            return message;
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
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void add(byte[] message) {
        messages.add(message);
        size = messages.size();
        bytes += message.length;
    }

    /** Bytes of the messages waiting; a snapshot. */
    long bytes() {
        return bytes;
    }

    static long toNanos(java.time.Duration timeout) {
        return TimeUnit.NANOSECONDS.convert(timeout);
    }
}
