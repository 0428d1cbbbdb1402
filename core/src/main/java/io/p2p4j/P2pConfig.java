package io.p2p4j;

import io.p2p4j.identity.NodeInfo;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.net.FaultInjection;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link Switch}. {@link #defaults()} gives CometBFT v0.38's values (its
 * {@code [p2p]} section and the limits its TCP transport really applies); each {@code with…}
 * method returns a copy with one field changed.
 *
 * @param listenAddress         where to accept peers, {@code tcp://host:port} (default
 *                              {@code tcp://0.0.0.0:26656}; port 0 picks a free port)
 * @param externalAddress       the address advertised to peers, {@code host:port}; empty means
 *                              the listen address (default empty)
 * @param maxInboundPeers       inbound peers accepted, unconditional ones not counted (default 40)
 * @param maxOutboundPeers      outbound peers the peer exchange aims for (default 10) unless its
 *                              own PexConfig sets a number; explicit dials ignore it
 * @param unconditionalPeerIds  node ids exempt from the peer limits (default none)
 * @param privatePeerIds        node ids never gossiped (default none)
 * @param allowDuplicateIp      accept several peers from one IP address (default false)
 * @param dialTimeout           TCP connect limit (default 1 s, what CometBFT's transport uses)
 * @param handshakeTimeout      limit of the whole handshake, SecretConnection and NodeInfo
 *                              together, counted from the end of the connection filters (default
 *                              3 s, CometBFT's deadline for each of the two stages: one deadline
 *                              for both keeps a peer that finishes the first just in time from
 *                              holding the connection for twice as long)
 * @param filterTimeout         limit for each connection or peer filter (default 5 s)
 * @param connection            settings of each peer's MConnection (rates, keepalive, flushing)
 * @param mailboxBytes          bytes of received messages waiting for the reactors after which
 *                              reading from that peer pauses (default 4 MiB)
 * @param reconnect             how persistent peers are redialed
 * @param socketBufferBytes     SO_SNDBUF and SO_RCVBUF of each peer's TCP socket; 0 (the default,
 *                              as CometBFT) leaves them to the kernel, which grows them to
 *                              megabytes. A cap keeps a high-priority message from queuing behind
 *                              that much bulk data in the kernel (measured on loopback at 300 MB/s:
 *                              p99 26 ms with the kernel's, 2.4 ms at 128 KiB, 1.8 ms at 64 KiB),
 *                              but it also caps one connection's throughput at about
 *                              buffer / round-trip time (128 KiB over a 100 ms path: 1.3 MB/s):
 *                              set it for LANs and data centres, not for long paths
 * @param maxPendingHandshakes  inbound connections that may be between accept and the end of
 *                              their handshake at once (default 64); when one more comes, the oldest
 *                              pending connection of the IP holding the most is closed to make room
 *                              for it (so that an attacker with 16 addresses cannot keep everyone
 *                              else out by filling the slots with silent connections: an honest
 *                              peer's handshake takes milliseconds), and accept never waits. Each
 *                              pending connection holds a few KiB and costs at most one key
 *                              agreement, one signature and one verification, and is closed within
 *                              filterTimeout + handshakeTimeout. CometBFT instead stops accepting
 *                              past max_num_inbound_peers + unconditional peers, counting
 *                              established ones; this counts only unauthenticated connections, so
 *                              it can never keep out a peer that already connected. 64 lets a node
 *                              fill all its 40 inbound slots at once, and an honest handshake takes
 *                              a few ms of CPU and a few round trips
 * @param maxPendingHandshakesPerIp the same, per remote IP address (default 4): one more from that
 *                              address is closed as it is accepted, before any cryptography. One
 *                              address takes at most a sixteenth of the slots, while a few nodes
 *                              behind one NAT, or a peer redialing while its old connection
 *                              closes, still fit
 * @param mailboxReserveBytes   bytes that mailboxes of peers whose reactor is blocked in a send
 *                              may read past their own bound, shared by all the switch's peers
 *                              (default 64 MiB, 16 default mailboxes): two peers whose reactors
 *                              answer each other with blocking sends would otherwise each stop
 *                              reading the answer the other waits for (the README's threading
 *                              notes). It bounds the extra memory per node, not per peer; 0 turns
 *                              the borrowing off
 * @param faultInjection        faults injected into every connection, to test reactors against a
 *                              bad network (CometBFT's {@code test_fuzz}); default
 *                              {@link FaultInjection#off()}, which adds nothing to a connection
 */
public record P2pConfig(
        String listenAddress,
        String externalAddress,
        int maxInboundPeers,
        int maxOutboundPeers,
        Set<String> unconditionalPeerIds,
        Set<String> privatePeerIds,
        boolean allowDuplicateIp,
        Duration dialTimeout,
        Duration handshakeTimeout,
        Duration filterTimeout,
        MConnectionConfig connection,
        long mailboxBytes,
        ReconnectPolicy reconnect,
        int socketBufferBytes,
        int maxPendingHandshakes,
        int maxPendingHandshakesPerIp,
        long mailboxReserveBytes,
        FaultInjection faultInjection) {

    /** Validates the settings. @throws IllegalArgumentException naming what is wrong */
    public P2pConfig {
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(externalAddress, "externalAddress");
        unconditionalPeerIds = Set.copyOf(unconditionalPeerIds);
        privatePeerIds = Set.copyOf(privatePeerIds);
        Objects.requireNonNull(dialTimeout, "dialTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(filterTimeout, "filterTimeout");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(reconnect, "reconnect");
        Objects.requireNonNull(faultInjection, "faultInjection");
        if (mailboxReserveBytes < 0) {
            throw new IllegalArgumentException("mailboxReserveBytes must not be negative, got " + mailboxReserveBytes);
        }
        if (maxInboundPeers < 0 || maxOutboundPeers < 0) {
            throw new IllegalArgumentException("peer limits must not be negative");
        }
        if (socketBufferBytes < 0) {
            throw new IllegalArgumentException("socketBufferBytes must not be negative, got " + socketBufferBytes);
        }
        if (maxPendingHandshakes < 1 || maxPendingHandshakesPerIp < 1) {
            throw new IllegalArgumentException("pending handshake limits must be positive");
        }
        if (mailboxBytes < 1) {
            throw new IllegalArgumentException("mailboxBytes must be positive, got " + mailboxBytes);
        }
    }

    /**
     * How persistent peers are redialed after a disconnect or a failed dial. CometBFT dials once
     * at once, then tries {@code regularAttempts} times at {@code interval} plus up to {@code jitter}, then
     * {@code backoffAttempts} times at {@code backoffBase}^i plus jitter, then gives up; p2p4j
     * keeps trying after that, at the last (capped) interval. {@code maxInterval} (CometBFT's
     * {@code persistent_peers_max_dial_period}; zero, the default, for none) caps every pause.
     */
    public record ReconnectPolicy(Duration interval, Duration jitter, int regularAttempts,
            Duration backoffBase, int backoffAttempts, Duration maxInterval) {

        public ReconnectPolicy {
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(jitter, "jitter");
            Objects.requireNonNull(backoffBase, "backoffBase");
            Objects.requireNonNull(maxInterval, "maxInterval");
            if (regularAttempts < 0 || backoffAttempts < 0) {
                throw new IllegalArgumentException("attempt counts must not be negative");
            }
            if (maxInterval.isNegative()) {
                throw new IllegalArgumentException("maxInterval must not be negative, got " + maxInterval);
            }
        }

        /** A policy without a cap on the pause. */
        public ReconnectPolicy(Duration interval, Duration jitter, int regularAttempts, Duration backoffBase,
                int backoffAttempts) {
            this(interval, jitter, regularAttempts, backoffBase, backoffAttempts, Duration.ZERO);
        }

        /** CometBFT's: 20 tries 5 s apart, then 10 tries at 3^i s, each plus up to 3 s of jitter. */
        public static ReconnectPolicy defaults() {
            return new ReconnectPolicy(Duration.ofSeconds(5), Duration.ofSeconds(3), 20, Duration.ofSeconds(3), 10);
        }

        /** This policy with every pause capped at {@code max} (zero: no cap). */
        public ReconnectPolicy withMaxInterval(Duration max) {
            return new ReconnectPolicy(interval, jitter, regularAttempts, backoffBase, backoffAttempts, max);
        }

        /**
         * The delay before attempt {@code attempt} (0-based), jitter excluded: the regular interval
         * first, then exponential, then the last exponential step for ever; never more than
         * {@code maxInterval} when one is set.
         */
        public Duration delayBefore(int attempt) {
            Duration delay;
            if (attempt < regularAttempts) {
                delay = interval;
            } else {
                int step = Math.min(attempt - regularAttempts + 1, Math.max(1, backoffAttempts));
                double seconds = Math.pow(backoffBase.toMillis() / 1000.0, step);
                delay = Duration.ofMillis((long) Math.min(seconds * 1000, Duration.ofDays(2).toMillis()));
            }
            return maxInterval.isZero() || delay.compareTo(maxInterval) <= 0 ? delay : maxInterval;
        }
    }

    /** CometBFT v0.38's defaults. */
    public static P2pConfig defaults() {
        return new P2pConfig("tcp://0.0.0.0:26656", "", 40, 10, Set.of(), Set.of(), false,
                Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(5),
                MConnectionConfig.defaults(), 4L << 20, ReconnectPolicy.defaults(), 0, 64, 4, 64L << 20, FaultInjection.off());
    }

    public P2pConfig withSocketBufferBytes(int bytes) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, bytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withMaxPendingHandshakes(int total, int perIp) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, total, perIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withFaultInjection(FaultInjection faults) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faults);
    }

    public P2pConfig withListen(String address) {
        return new P2pConfig(address, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withExternalAddress(String address) {
        return new P2pConfig(listenAddress, address, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withMaxInboundPeers(int max) {
        return new P2pConfig(listenAddress, externalAddress, max, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withMaxOutboundPeers(int max) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, max, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withUnconditionalPeerIds(Set<String> ids) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, ids,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withPrivatePeerIds(Set<String> ids) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                ids, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withAllowDuplicateIp(boolean allow) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allow, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withDialTimeout(Duration timeout) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, timeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withHandshakeTimeout(Duration timeout) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, timeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withFilterTimeout(Duration timeout) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, timeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withConnection(MConnectionConfig connectionConfig) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connectionConfig,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withMailboxBytes(long bytes) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                bytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withReconnect(ReconnectPolicy policy) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, policy, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, mailboxReserveBytes, faultInjection);
    }

    public P2pConfig withMailboxReserveBytes(long bytes) {
        return new P2pConfig(listenAddress, externalAddress, maxInboundPeers, maxOutboundPeers, unconditionalPeerIds,
                privatePeerIds, allowDuplicateIp, dialTimeout, handshakeTimeout, filterTimeout, connection,
                mailboxBytes, reconnect, socketBufferBytes, maxPendingHandshakes, maxPendingHandshakesPerIp, bytes, faultInjection);
    }
}
