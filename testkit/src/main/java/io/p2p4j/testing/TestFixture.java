package io.p2p4j.testing;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the test kit's JUnit 5 extensions share: event loops for the tests of a class, and the
 * things a test opens, closed after it whether it passed or not, so that no test needs a
 * cleanup method of its own.
 *
 * <p>Registered on a static field the event loops serve all the tests of a class, which must
 * then run one at a time (JUnit's default); on an instance field each test has a fixture and
 * event loops of its own, which suits tests that run concurrently. Used without JUnit,
 * {@link #close()} closes everything. Thread-safe: a test may open things from any thread.
 */
abstract class TestFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback, AutoCloseable {
    private final List<AutoCloseable> owned = new ArrayList<>();
    private EventLoopGroup eventLoops;
    private boolean sharedByClass;

    /**
     * Two NIO event loops, made on first use and shut down after the last test of the class (or
     * of the test, on an instance field, or by {@link #close()}). Blocking the first time.
     */
    public synchronized EventLoopGroup eventLoops() {
        if (eventLoops == null) {
            eventLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        }
        return eventLoops;
    }

    /**
     * Closes {@code resource} after the running test, before the event loops stop; what was
     * opened last is closed first. Closing it earlier is fine: it is closed once more, so its
     * {@code close()} must allow that.
     *
     * @return {@code resource}
     */
    public synchronized <T extends AutoCloseable> T closeAfterTest(T resource) {
        owned.add(resource);
        return resource;
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        sharedByClass = true;
    }

    /** Closes what the test opened; and the event loops when they are the test's own. */
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        boolean ownEventLoops;
        synchronized (this) {
            ownEventLoops = !sharedByClass;
        }
        if (ownEventLoops) {
            closeAll();
        } else {
            closeOwned();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        synchronized (this) {
            sharedByClass = false;
        }
        closeAll();
    }

    /**
     * Closes everything still open and stops the event loops; blocking, for up to 2 s for the
     * loops. The fixture may be used again afterwards.
     *
     * @throws IllegalStateException if something failed to close (each failure is a cause or
     *                               suppressed)
     */
    @Override
    public void close() {
        try {
            closeAll();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing a test fixture failed: " + e.getMessage(), e);
        }
    }

    private void closeAll() throws Exception {
        try {
            closeOwned();
        } finally {
            shutDownEventLoops();
        }
    }

    /** Closes each thing, newest first, all of them even when one fails; then throws the first failure. */
    private void closeOwned() throws Exception {
        List<AutoCloseable> toClose;
        synchronized (this) {
            toClose = new ArrayList<>(owned.reversed());
            owned.clear();
        }
        Exception failure = null;
        for (AutoCloseable resource : toClose) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void shutDownEventLoops() {
        EventLoopGroup stopping;
        synchronized (this) {
            stopping = eventLoops;
            eventLoops = null;
        }
        if (stopping != null) {
            stopping.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
