package io.p2p4j;

import io.p2p4j.identity.NodeId;
import io.p2p4j.net.HandshakeException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one log of refused inbound connections (a node's own listeners log only its dials),
 * summarised so that a peer cannot flood it: per remote IP and kind of refusal, only the 1st,
 * 2nd, 4th, 8th... is written, with the count so far. The kind is the handshake's reason, or the
 * exception's class, not the message: messages name ports and ids that change with every
 * connection. Lines read "Refused inbound connection from 10.0.0.9:51234: why", as a CometBFT
 * operator would look for them. Thread-safe.
 */
final class RefusalLog {
    /** IP and kind pairs counted at once; past it the counts start again rather than grow without bound. */
    static final int MAX_TRACKED = 1_024;

    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Consumer<String> sink;
    private final AtomicInteger linesWritten = new AtomicInteger();

    /** Writes each line it keeps to {@code sink} (the switch's logger at info). */
    RefusalLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /**
     * Counts one refused inbound connection from {@code remote} (null if unknown), and writes it
     * if it is due; {@code peer} names the peer if the handshake got as far as its id, else null.
     */
    void refused(SocketAddress remote, NodeId peer, Throwable reason) {
        InetSocketAddress inet = remote instanceof InetSocketAddress a && a.getAddress() != null ? a : null;
        String ip = inet != null ? inet.getAddress().getHostAddress() : "an unknown address";
        String kind = reason instanceof HandshakeException h ? h.reason().name() : reason.getClass().getName();
        if (counts.size() >= MAX_TRACKED) {
            counts.clear();
        }
        int count = counts.computeIfAbsent(ip + " " + kind, k -> new AtomicInteger()).incrementAndGet();
        if (Integer.bitCount(count) != 1) {
            return;
        }
        linesWritten.incrementAndGet();
        String from = inet != null ? ip + ":" + inet.getPort() : ip;
        String why = reason.getMessage() == null || reason.getMessage().isBlank() ? reason.getClass().getSimpleName()
                : reason.getMessage();
        sink.accept("Refused inbound " + (peer == null ? "connection" : "peer " + peer) + " from " + from + ": " + why
                + (count == 1 ? "" : " (" + count + " refused from " + ip + " for this reason so far)"));
    }

    /** Lines written so far, for tests. */
    int linesWritten() {
        return linesWritten.get();
    }
}
