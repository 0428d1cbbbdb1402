package io.p2p4j.secret;

import io.p2p4j.crypto.X25519Keys;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ephemeral X25519 key pairs made ahead of need, so that a handshake can send its key the moment
 * the connection opens: no curve arithmetic and no hand-off to the crypto threads and back before
 * the first byte. The supply is bounded ({@code capacity} pairs); a pair is handed out once and
 * forgotten here, so no two handshakes share one. Taking never computes a key: when the supply
 * is empty {@link #take} returns null and the caller makes its pair on the crypto threads as
 * before. Refills run on the given executor (the handshake crypto threads), started by a take
 * that leaves the supply at half or less, one refill at a time, a few pairs per task so that
 * handshakes' own steps queued behind it wait no longer than a few key pairs take. A flood of
 * connections that are closed before their handshake costs at most one pair each on the crypto
 * threads, as making the pair per connection did, and nothing on the event loop.
 *
 * <p>Pairs wait here in memory until used, as the pair of a handshake in progress does; each is
 * used for one connection only, so forward secrecy is that of the handshake. Thread-safe.
 */
final class EphemeralKeySupply {
    /** One X25519 key pair, for one handshake. */
    record KeyPair(byte[] privateKey, byte[] publicKey) {
        static KeyPair generate() {
            byte[] privateKey = X25519Keys.generatePrivate();
            return new KeyPair(privateKey, X25519Keys.publicKey(privateKey));
        }
    }

    /** Pairs a refill task makes before it hands the thread back (and queues itself again). */
    static final int PAIRS_PER_TASK = 4;

    private final ArrayBlockingQueue<KeyPair> ready;
    private final int refillBelow;
    private final Executor makers;
    private final AtomicBoolean refilling = new AtomicBoolean();

    /**
     * @param capacity the most pairs kept ready
     * @param makers   where pairs are made (the handshake crypto threads); never the caller of {@link #take}
     */
    EphemeralKeySupply(int capacity, Executor makers) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.ready = new ArrayBlockingQueue<>(capacity);
        this.refillBelow = Math.max(1, capacity / 2);
        this.makers = makers;
    }

    /**
     * A pair no one else has been given, or null when none is ready; the supply is refilled on the
     * makers' executor when low. Never blocks and never computes a key.
     */
    KeyPair take() {
        KeyPair pair = ready.poll();
        if (ready.size() <= refillBelow) {
            refill();
        }
        return pair;
    }

    /** Pairs ready now. */
    int ready() {
        return ready.size();
    }

    private void refill() {
        if (refilling.compareAndSet(false, true)) {
            makers.execute(this::makeSome);
        }
    }

    private void makeSome() {
        boolean more = false;
        try {
            // the only producer: takes free places, so an offer made with room left succeeds
            for (int i = 0; i < PAIRS_PER_TASK && ready.remainingCapacity() > 0; i++) {
                ready.offer(KeyPair.generate());
            }
            more = ready.remainingCapacity() > 0;
        } finally {
            if (more) {
                makers.execute(this::makeSome); // behind the handshake steps queued meanwhile
            } else {
                refilling.set(false);
            }
        }
    }
}
