package io.p2p4j.testing;

import java.net.SocketAddress;
import java.util.function.UnaryOperator;

/**
 * A JUnit 5 extension that opens {@link LoopbackConnection}s on event loops the tests of a class
 * share, and closes every connection a test opened after it, whether it passed or not (closing
 * one earlier, in try-with-resources, is fine too).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LoopbackConnections loopback = new LoopbackConnections();
 *
 * @Test
 * void echo() {
 *     LoopbackConnection pair = loopback.connect();
 *     ... // pair.client() and pair.server(): closed after the test
 * }
 * }</pre>
 *
 * On a static field the tests of the class share the event loops, which stop after its last
 * test, and run one at a time (JUnit's default); on an instance field each test has a fixture of
 * its own. Without JUnit, {@link #close()} closes the connections and stops the event loops.
 * Thread-safe.
 */
public final class LoopbackConnections extends TestFixture {
    private final int socketBufferBytes;

    /** Connections with the kernel's default socket buffers. */
    public LoopbackConnections() {
        this(0);
    }

    /**
     * Connections whose send and receive socket buffers are {@code socketBufferBytes} (0: the
     * kernel's default); small buffers make a peer that stops reading push back quickly.
     */
    public LoopbackConnections(int socketBufferBytes) {
        this.socketBufferBytes = socketBufferBytes;
    }

    /**
     * Opens a connection over 127.0.0.1, both ends on {@link #eventLoops()}. Blocking, up to 10 s.
     *
     * @throws IllegalStateException if the connection could not be made
     */
    public LoopbackConnection connect() {
        return connect(UnaryOperator.identity());
    }

    /**
     * Opens a connection whose client dials {@code route.apply(serverAddress)} instead of the
     * server itself: a proxy in between that forwards to it, for example.
     *
     * @throws IllegalStateException if the connection could not be made
     */
    public LoopbackConnection connect(UnaryOperator<SocketAddress> route) {
        return closeAfterTest(LoopbackConnection.open(eventLoops(), eventLoops(), socketBufferBytes, route));
    }
}
