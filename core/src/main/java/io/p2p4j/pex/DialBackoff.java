package io.p2p4j.pex;

import io.p2p4j.identity.NetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.Predicate;

/**
 * The PEX reactor's redial backoff: after n failed dials an address waits {@code base * 2^n}
 * before it is dialed again. It holds only what the reactor keeps it to ({@link #retainIf}: the
 * addresses still in the book) and at most {@code capacity} addresses, the one that failed least
 * recently forgotten first, so a peer gossiping addresses that fail cannot make it grow: an
 * address it forgets merely starts its backoff again. Thread-safe.
 */
final class DialBackoff {
    /** Failed dials of one address and when the last one failed. */
    private record Failures(int count, long lastNanos) {}

    private final Duration base;
    private final int capacity;
    /** In order of last failure, oldest first. */
    private final LinkedHashMap<NetAddress, Failures> failures = new LinkedHashMap<>();

    DialBackoff(Duration base, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
        }
        this.base = base;
        this.capacity = capacity;
    }

    /** True unless the address is still backing off at {@code nowNanos}. */
    synchronized boolean mayDial(NetAddress address, long nowNanos) {
        Failures f = failures.get(address);
        return f == null || nowNanos - f.lastNanos() >= base.toNanos() << Math.min(f.count(), 30);
    }

    /** Counts a failed dial at {@code nowNanos}; returns how many have failed in a row. */
    synchronized int failed(NetAddress address, long nowNanos) {
        Failures before = failures.remove(address);
        int count = before == null ? 1 : before.count() + 1;
        failures.put(address, new Failures(count, nowNanos));
        if (failures.size() > capacity) {
            Iterator<NetAddress> oldest = failures.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        return count;
    }

    /** Forgets an address (it connected, was banned, or left the book). */
    synchronized void forget(NetAddress address) {
        failures.remove(address);
    }

    /** Forgets every address that {@code keep} refuses. */
    synchronized void retainIf(Predicate<NetAddress> keep) {
        failures.keySet().removeIf(keep.negate());
    }

    /** Addresses with failures counted. */
    synchronized int size() {
        return failures.size();
    }
}
