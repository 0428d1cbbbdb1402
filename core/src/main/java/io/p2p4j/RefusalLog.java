package io.p2p4j;

import io.p2p4j.net.HandshakeException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The switch's log of refused inbound connections, summarised so that a peer cannot flood it:
 * per remote IP and kind of refusal, only the 1st, 2nd, 4th, 8th... is written, with the count
 * so far (the node's own DialLog does the same for its dials). The kind is the handshake's
 * reason, or the exception's class, not the message: messages name ports and ids that change
 * with every connection. Thread-safe.
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

    /** Counts one refused inbound connection from {@code remote} (null if unknown), and writes it if it is due. */
    void refused(SocketAddress remote, String what, Throwable reason) {
        String ip = remote instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "an unknown address";
        String kind = reason instanceof HandshakeException h ? h.reason().name() : reason.getClass().getName();
        if (counts.size() >= MAX_TRACKED) {
            counts.clear();
        }
        int count = counts.computeIfAbsent(ip + " " + kind, k -> new AtomicInteger()).incrementAndGet();
        if (Integer.bitCount(count) != 1) {
            return;
        }
        linesWritten.incrementAndGet();
        sink.accept(what + " from " + ip + " refused: " + reason.getMessage()
                + (count == 1 ? "" : " (" + count + " refused from there for this reason so far)"));
    }

    /** Lines written so far, for tests. */
    int linesWritten() {
        return linesWritten.get();
    }
}
