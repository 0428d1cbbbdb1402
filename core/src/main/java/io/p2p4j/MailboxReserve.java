package io.p2p4j;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes a switch lends to the mailboxes of peers whose reactor is blocked in a send, so that they
 * keep reading past their own bound (see {@link InboundMailbox}). One reserve serves all the
 * switch's peers: the extra memory is bounded per node, not per peer, so many peers that get our
 * reactors stuck in sends to them cannot multiply it. Thread-safe.
 */
final class MailboxReserve {
    private final long capacity;
    private final AtomicLong lent = new AtomicLong();

    MailboxReserve(long capacity) {
        this.capacity = capacity;
    }

    /** Lends {@code bytes} if that many are left; never blocks. */
    boolean tryLend(long bytes) {
        while (true) {
            long now = lent.get();
            if (now + bytes > capacity) {
                return false;
            }
            if (lent.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void giveBack(long bytes) {
        lent.addAndGet(-bytes);
    }

    /** Bytes lent out now. */
    long lent() {
        return lent.get();
    }
}
