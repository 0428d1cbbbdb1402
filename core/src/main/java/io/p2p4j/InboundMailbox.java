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
 * <p>Backpressure: when the bytes waiting pass the bound, the mailbox asks for reading from the
 * peer to pause; once they fall to half the bound, to resume ({@code readingChanged} runs after
 * each change, {@link #readingPaused()} says which). While the delivering thread is blocked in a
 * send (see {@link #blockedInSend}), the mailbox keeps reading past the bound with bytes borrowed
 * from the switch's {@link MailboxReserve}: two peers whose reactors answer each other with
 * blocking sends would otherwise each stop reading the answer the other is blocked on. What it
 * borrowed goes back as it delivers. A message is never refused, so memory stays within the
 * bound, plus what it borrowed, plus one message.
 */
final class InboundMailbox {

    /** What the mailbox delivers to, on the mailbox's thread. */
    @FunctionalInterface
    interface Delivery {
        void deliver(byte channelId, byte[] message) throws Exception;
    }

    private record Item(byte channelId, byte[] message) {}

    /** The mailbox whose delivery runs on this thread, if any. */
    private static final ThreadLocal<InboundMailbox> DELIVERING = new ThreadLocal<>();

    private final String name;
    private final long boundBytes;
    private final MailboxReserve reserve;
    private final Delivery delivery;
    private final Runnable readingChanged;
    private final java.util.function.Consumer<Throwable> onFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private long queuedBytes;
    private boolean full;
    /** The delivering thread is blocked in a send: the mailbox may borrow from the reserve. */
    private boolean sending;
    /** Bytes past the bound borrowed from the reserve, never more than are waiting past it. */
    private long borrowed;
    private boolean closed;
    private boolean closing;
    private boolean delivering;
    private boolean started;
    /** The thread delivering now, or null when the mailbox is empty (or not started). */
    private Thread thread;

    InboundMailbox(String name, long boundBytes, MailboxReserve reserve, Delivery delivery, Runnable readingChanged,
            java.util.function.Consumer<Throwable> onFailure) {
        this.name = name;
        this.boundBytes = boundBytes;
        this.reserve = reserve;
        this.delivery = delivery;
        this.readingChanged = readingChanged;
        this.onFailure = onFailure;
    }

    /** The mailbox delivering on the calling thread, or null if the thread is not a delivering one. */
    static InboundMailbox deliveringOnThisThread() {
        return DELIVERING.get();
    }

    /** True while reading from the peer should be paused; read it where the change is applied. */
    boolean readingPaused() {
        lock.lock();
        try {
            return full;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code send} (a blocking send of a reactor, on this mailbox's delivering thread) while
     * letting the mailbox borrow from the reserve, so the peer can still be read while we wait on
     * it or on another peer.
     */
    boolean blockedInSend(java.util.function.BooleanSupplier send) {
        setSending(true);
        try {
            return send.getAsBoolean();
        } finally {
            setSending(false);
        }
    }

    private void setSending(boolean value) {
        boolean changed = false;
        lock.lock();
        try {
            sending = value;
            if (value && full && !overBound()) {
                full = false;
                changed = true;
            } else if (!value && !full && queuedBytes > boundBytes) {
                full = true; // the reactor is free again: what waits past the bound is its backlog
                changed = true;
            }
        } finally {
            lock.unlock();
        }
        if (changed) {
            readingChanged.run();
        }
    }

    /** With the lock held: true if what waits is past the bound and what was (or can now be) borrowed. */
    private boolean overBound() {
        long excess = queuedBytes - boundBytes - borrowed;
        if (excess <= 0) {
            return false;
        }
        if (sending && !closed && reserve.tryLend(excess)) {
            borrowed += excess;
            return false;
        }
        return true;
    }

    /** With the lock held: gives back what is no longer waiting past the bound. */
    private void giveBackDelivered() {
        long keep = Math.max(0, queuedBytes - boundBytes);
        if (borrowed > keep) {
            reserve.giveBack(borrowed - keep);
            borrowed = keep;
        }
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
            if (!full && overBound()) {
                full = true;
                becameFull = true;
            }
            startDeliveringIfNeeded();
        } finally {
            lock.unlock();
        }
        if (becameFull) {
            readingChanged.run();
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
                drop();
                return true;
            }
            long remaining = timeout.toNanos();
            while ((delivering || !items.isEmpty()) && remaining > 0) {
                remaining = idle.awaitNanos(remaining);
            }
            boolean finished = !delivering && items.isEmpty();
            drop();
            if (!finished && thread != null) {
                thread.interrupt();
            }
            return finished;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drop();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** With the lock held: ends the mailbox, dropping what waits and returning what it borrowed. */
    private void drop() {
        closed = true;
        items.clear();
        queuedBytes = 0;
        giveBackDelivered();
    }

    private void run() {
        DELIVERING.set(this);
        try {
            deliverAll();
        } finally {
            DELIVERING.remove();
            // whatever ended this thread (an Error included), the mailbox must not look busy for
            // ever: the next message starts a new thread, and close() stops waiting for this one
            lock.lock();
            try {
                if (thread == Thread.currentThread()) {
                    thread = null;
                }
                delivering = false;
                idle.signalAll();
                startDeliveringIfNeeded();
            } finally {
                lock.unlock();
            }
        }
    }

    private void deliverAll() {
        while (true) {
            Item item;
            boolean drained = false;
            lock.lock();
            try {
                if (closed || items.isEmpty()) {
                    return;
                }
                item = items.poll();
                queuedBytes -= item.message().length;
                giveBackDelivered();
                if (full && queuedBytes <= boundBytes / 2) {
                    full = false;
                    drained = true;
                }
                delivering = true;
            } finally {
                lock.unlock();
            }
            try {
                if (drained) {
                    // may be refused (the event loop shut down): the peer is then going away, but the
                    // message taken above is still delivered
                    report(readingChanged);
                }
                delivery.deliver(item.channelId(), item.message());
            } catch (VirtualMachineError e) {
                throw e; // not the peer's doing; run() leaves the mailbox able to go on
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

    /** Runs a call whose failure is the peer's to report, not a reason to lose the message in hand. */
    private void report(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
    }
}
