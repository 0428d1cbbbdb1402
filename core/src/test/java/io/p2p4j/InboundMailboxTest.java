package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The mailbox alone: what it does when the calls it makes fail. */
class InboundMailboxTest {

    /**
     * The reading-changed call runs on the event loop; once that loop is shut down it throws
     * RejectedExecutionException. The mailbox must still deliver the message it had taken, and
     * deliver what comes after, instead of losing its thread while it looks busy.
     */
    @Test
    void aFailingReadingChangeLosesNoMessageAndLeavesTheMailboxDelivering() {
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean rejectOnce = new AtomicBoolean(true);
        Runnable readingChanged = () -> {
            // only the resume, which the delivering thread asks for when the mailbox drains
            if (InboundMailbox.deliveringOnThisThread() != null && rejectOnce.getAndSet(false)) {
                throw new RejectedExecutionException("event loop shut down");
            }
        };
        InboundMailbox mailbox = new InboundMailbox("test", 10, new MailboxReserve(0),
                (channel, message) -> delivered.add((int) message[0]), readingChanged, failures::add);
        mailbox.put((byte) 1, new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
        mailbox.put((byte) 1, new byte[] {2, 0, 0, 0, 0, 0, 0, 0}); // 16 bytes past a bound of 10: full
        assertThat(mailbox.readingPaused()).isTrue();
        mailbox.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 2);
        mailbox.put((byte) 1, new byte[] {3});
        await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 3);
        assertThat(delivered).containsExactly(1, 2, 3);
        assertThat(failures).singleElement().isInstanceOf(RejectedExecutionException.class);
        assertThat(mailbox.close(Duration.ofSeconds(1))).isTrue();
    }

    /**
     * A VirtualMachineError from a reactor is not a peer's fault to stop it for: it is not handed
     * to the failure handler, and the mailbox is not left marked as delivering.
     */
    @Test
    void aVirtualMachineErrorIsNotSwallowedAsAPeerFailure() {
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean throwOnce = new AtomicBoolean(true);
        InboundMailbox mailbox = new InboundMailbox("test", 1 << 20, new MailboxReserve(0), (channel, message) -> {
            if (throwOnce.getAndSet(false)) {
                // a subclass of its own, as the test runner reacts to a real OutOfMemoryError; and the
                // waits below let it reach the handler instead of Awaitility's own
                throw new VirtualMachineError("thrown by the test") {};
            }
            delivered.add((int) message[0]);
        }, () -> {}, failures::add);
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
        try {
            mailbox.start();
            mailbox.put((byte) 1, new byte[] {1});
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> !uncaught.isEmpty() || !failures.isEmpty());
            assertThat(failures).isEmpty();
            assertThat(uncaught).singleElement().isInstanceOf(VirtualMachineError.class);
            mailbox.put((byte) 1, new byte[] {2});
            await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 1);
            assertThat(delivered).containsExactly(2);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
    }
}
