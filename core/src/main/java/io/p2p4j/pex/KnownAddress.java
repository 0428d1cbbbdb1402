package io.p2p4j.pex;

import io.p2p4j.identity.NetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One address in the book with its history. Guarded by the book's lock. */
final class KnownAddress {
    static final int NEW = 1;
    static final int OLD = 2;
    static final Instant ZERO = Instant.parse("0001-01-01T00:00:00Z");

    final NetAddress addr;
    final NetAddress src;
    final List<Integer> buckets = new ArrayList<>(4);
    int bucketType = NEW;
    int attempts;
    Instant lastAttempt = ZERO;
    Instant lastSuccess = ZERO;
    /** Until when it is banned (CometBFT's last_ban_time); ZERO if never. */
    Instant bannedUntil = ZERO;
    /** When the ban was last made or lengthened; ZERO for a ban read from the file (older than any made since). */
    Instant bannedAt = ZERO;
    /**
     * The id was in the book when it was banned (or the ban was read from the file): such a ban
     * outranks one on an id never seen, which anyone can mint by the thousand.
     */
    boolean bannedWhileKnown = true;
    /** The address group of a banned address, kept so that trimming the bans need not work it out each time. */
    String group = "";

    KnownAddress(NetAddress addr, NetAddress src) {
        this.addr = addr;
        this.src = src;
    }

    boolean isOld() {
        return bucketType == OLD;
    }

    boolean isBanned(Instant now) {
        return bannedUntil.isAfter(now);
    }

    /**
     * CometBFT's eviction test for new entries not tried in the last minute: last tried over a
     * week ago, or never succeeded after 3 tries, or no success for a week after 10 tries.
     */
    boolean isBad(Instant now) {
        if (lastAttempt.isAfter(now.minus(Duration.ofMinutes(1)))) {
            return false;
        }
        if (lastAttempt.isBefore(now.minus(Duration.ofDays(7)))) {
            return true;
        }
        if (lastSuccess.equals(ZERO) && attempts >= 3) {
            return true;
        }
        return lastSuccess.isBefore(now.minus(Duration.ofDays(7))) && attempts >= 10;
    }
}
