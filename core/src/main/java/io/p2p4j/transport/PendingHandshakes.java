package io.p2p4j.transport;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The inbound connections that are accepted but not yet authenticated, in all and per remote IP.
 * One more from an IP that has {@code maxPerIp} is refused. One more when {@code max} are pending
 * is let in, and the oldest pending connection of the IP holding the most is closed to make room
 * (ties: the IP whose oldest is oldest). Refusing the newcomer instead let an attacker with
 * {@code max / maxPerIp} addresses (16 by default) fill the total with silent connections and
 * keep every other peer out until theirs timed out, over and over; now a peer that completes its
 * handshake in milliseconds gets in while the attacker's connections churn. Taking the room from
 * the IP with the most keeps a peer that comes from an address of its own, as honest nodes do,
 * while an attacker holds more than one per address: with fewer than {@code max} addresses it
 * loses its own connections first; only with {@code max} or more can it push out others, and then
 * it must open {@code max} connections within another peer's handshake to push that one out.
 * Thread-safe: accepts arrive on every event loop, and each call holds the lock only to count.
 */
final class PendingHandshakes {
    /** The key of connections without an address of their own (in-process ones). */
    private static final Object NO_IP = new Object();

    /** One pending connection's place; {@link #release} gives it back. */
    final class Slot {
        private final Object key;
        private final long order;
        /** The connection, handed back when it is pushed out. */
        private final Object owner;
        private boolean held = true;

        private Slot(Object key, long order, Object owner) {
            this.key = key;
            this.order = order;
            this.owner = owner;
        }

        /** Gives the place back: once the handshake ended or the connection closed. Idempotent. */
        void release() {
            synchronized (PendingHandshakes.this) {
                if (held) {
                    held = false;
                    ArrayDeque<Slot> slots = byIp.get(key);
                    slots.remove(this);
                    if (slots.isEmpty()) {
                        byIp.remove(key);
                    }
                    total--;
                }
            }
        }
    }

    /**
     * What {@link #tryAcquire} decided: a slot, and the pending connection whose place it took
     * (null if there was room), which the caller closes; or no slot and why not.
     */
    record Outcome<T>(Slot slot, T evicted, String refusal) {}

    private final int max;
    private final int maxPerIp;
    /** Each IP's pending connections, oldest first. */
    private final Map<Object, ArrayDeque<Slot>> byIp = new HashMap<>();
    private int total;
    private int peak;
    private long next;
    private long evictions;

    PendingHandshakes(int max, int maxPerIp) {
        this.max = max;
        this.maxPerIp = maxPerIp;
    }

    /**
     * Takes a slot for {@code connection} from {@code ip} (null: no per-IP cap, for in-process
     * connections, which all look alike). Refuses it, naming the cap and the figures, if its IP
     * has the most it may; when all slots are taken, takes the place of the oldest pending
     * connection of the IP holding the most, which the caller then closes.
     */
    synchronized <T> Outcome<T> tryAcquire(InetAddress ip, T connection) {
        Object key = ip == null ? NO_IP : ip;
        ArrayDeque<Slot> fromIp = byIp.get(key);
        if (ip != null && fromIp != null && fromIp.size() >= maxPerIp) {
            return new Outcome<>(null, null, fromIp.size() + " handshakes pending from " + ip.getHostAddress()
                    + ", the maximum per IP (maxPendingHandshakesPerIp " + maxPerIp + ")");
        }
        T evicted = null;
        if (total >= max) {
            evicted = evictOne();
            fromIp = byIp.get(key); // the evicted one may have been this IP's last
        }
        if (fromIp == null) {
            fromIp = new ArrayDeque<>();
            byIp.put(key, fromIp);
        }
        Slot slot = new Slot(key, next++, connection);
        fromIp.addLast(slot);
        total++;
        peak = Math.max(peak, total);
        return new Outcome<>(slot, evicted, null);
    }

    /** Frees the place of the oldest pending connection of the IP holding the most; returns that connection. */
    @SuppressWarnings("unchecked")
    private <T> T evictOne() {
        ArrayDeque<Slot> victims = null;
        for (ArrayDeque<Slot> slots : byIp.values()) {
            if (victims == null || slots.size() > victims.size()
                    || slots.size() == victims.size() && slots.peekFirst().order < victims.peekFirst().order) {
                victims = slots;
            }
        }
        Slot oldest = victims.peekFirst();
        T connection = (T) oldest.owner;
        oldest.release();
        evictions++;
        return connection;
    }

    synchronized int count() {
        return total;
    }

    /** The most slots taken at once so far. */
    synchronized int peak() {
        return peak;
    }

    /** Pending connections closed so far to make room for a newer one. */
    synchronized long evictions() {
        return evictions;
    }
}
