package io.p2p4j.transport;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts the inbound connections that are accepted but not yet authenticated, in all and per
 * remote IP, and refuses one more past either cap. Thread-safe: accepts arrive on every event
 * loop, and each call holds the lock only to compare and count.
 */
final class PendingHandshakes {
    private final int max;
    private final int maxPerIp;
    private final Map<InetAddress, Integer> perIp = new HashMap<>();
    private int total;
    private int peak;

    PendingHandshakes(int max, int maxPerIp) {
        this.max = max;
        this.maxPerIp = maxPerIp;
    }

    /**
     * Takes a slot for a connection from {@code ip} (null: no per-IP cap, for in-process
     * connections, which all look alike); returns null when taken, else why not, naming the cap
     * and the figures.
     */
    synchronized String tryAcquire(InetAddress ip) {
        if (total >= max) {
            return total + " handshakes pending, the maximum (maxPendingHandshakes " + max + ")";
        }
        if (ip != null) {
            int fromIp = perIp.getOrDefault(ip, 0);
            if (fromIp >= maxPerIp) {
                return fromIp + " handshakes pending from " + ip.getHostAddress()
                        + ", the maximum per IP (maxPendingHandshakesPerIp " + maxPerIp + ")";
            }
            perIp.put(ip, fromIp + 1);
        }
        total++;
        peak = Math.max(peak, total);
        return null;
    }

    /** Gives back a slot taken by {@link #tryAcquire}; call once per slot taken. */
    synchronized void release(InetAddress ip) {
        total--;
        if (ip != null) {
            perIp.computeIfPresent(ip, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    synchronized int count() {
        return total;
    }

    /** The most slots taken at once so far. */
    synchronized int peak() {
        return peak;
    }
}
