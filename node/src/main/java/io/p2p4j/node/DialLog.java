package io.p2p4j.node;

import io.p2p4j.Direction;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.Peer;
import io.p2p4j.SwitchListener;
import io.p2p4j.net.HandshakeException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs failed dials with their reason, in CometBFT's words: "Error dialing seed" and "Error
 * dialing peer" at error level for the seeds and persistent peers of the configuration (info for
 * addresses PEX found), "Error reconnecting to peer" at info for the redials after that. Refused
 * inbound connections are the switch's to log ("Refused inbound connection from ...", summarised
 * per IP the same way), so each is logged once.
 *
 * <p>A node redials an unreachable persistent peer every few seconds for ever, so repeats of one
 * address failing for one reason are summarised: after the first, only the 2nd, 4th, 8th...
 * failure is logged, with the count; a new reason is logged at once, and a connection after
 * failures says how many there were.
 */
final class DialLog implements SwitchListener {
    private final Logger log;
    /** Addresses whose failures are counted at once, so refused strangers cannot grow the map. */
    private static final int MAX_TRACKED = 1_024;

    /** Failures of one address (host:port) since it last connected, and the reason of the last one logged. */
    private record Failures(int count, String reason) {}

    private final Set<String> seeds;
    private final Set<String> persistent;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();

    DialLog(Collection<NetAddress> seeds, Collection<NetAddress> persistent) {
        this(seeds, persistent, LoggerFactory.getLogger(DialLog.class));
    }

    /** Logging to {@code log}, for tests. */
    DialLog(Collection<NetAddress> seeds, Collection<NetAddress> persistent, Logger log) {
        this.log = log;
        this.seeds = seeds.stream().map(DialLog::key).collect(Collectors.toUnmodifiableSet());
        this.persistent = persistent.stream().map(DialLog::key).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) {
        if (direction == Direction.INBOUND || reason instanceof HandshakeException h && (h.reason() == HandshakeException.Reason.DUPLICATE
                || h.reason() == HandshakeException.Reason.SELF)) {
            return; // inbound: the switch's refusal log has it; the others are not failures, the switch says so where it matters
        }
        String address = remote instanceof InetSocketAddress a ? a.getHostString() + ":" + a.getPort()
                : String.valueOf(remote);
        String why = Main.describe(reason);
        Failures f = count(address, why);
        if (!logged(f)) {
            return;
        }
        if (seeds.contains(address)) {
            log.error("Error dialing seed {}: {}{}", address, why, times(f));
        } else if (persistent.contains(address) && f.count() > 1) {
            log.info("Error reconnecting to peer {}. Trying again: {}{}", address, why, times(f));
        } else if (persistent.contains(address)) {
            log.error("Error dialing peer {}: {}", address, why);
        } else {
            log.info("Error dialing peer {}: {}{}", address, why, times(f));
        }
    }

    @Override
    public void peerAdded(Peer peer) {
        String address = key(peer.remoteAddress());
        Failures before = peer.isOutbound() ? failures.remove(address) : null;
        if (before != null) {
            log.info("Connected to {} after {} failed dial{}", address, before.count(), before.count() == 1 ? "" : "s");
        }
    }

    private Failures count(String address, String reason) {
        if (failures.size() >= MAX_TRACKED) {
            failures.clear(); // many addresses failing at once: forgetting counts beats growing without bound
        }
        return failures.merge(address, new Failures(1, reason),
                (old, one) -> old.reason().equals(reason) ? new Failures(old.count() + 1, reason) : new Failures(1, reason));
    }

    /** The first failure for a reason, then the 2nd, 4th, 8th...: a log line per doubling. */
    private static boolean logged(Failures f) {
        return Integer.bitCount(f.count()) == 1;
    }

    private static String times(Failures f) {
        return f.count() == 1 ? "" : " (failed " + f.count() + " times in a row, for this reason)";
    }

    private static String key(NetAddress address) {
        return address.host() + ":" + address.port();
    }
}
