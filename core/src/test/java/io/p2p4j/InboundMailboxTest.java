package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The mailbox alone: order, backpressure, borrowing while blocked in a send, closing, and failing calls. */
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

    /** A delivery that records each message's first byte and can be held at one of them. */
    private static final class HeldDelivery implements InboundMailbox.Delivery {
        final List<Integer> delivered = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Boolean> interrupted = new CopyOnWriteArrayList<>();
        /** Whether reading was paused as each message came to be delivered, once {@link #mailbox} is set. */
        final List<Boolean> pausedWhenDelivered = new CopyOnWriteArrayList<>();
        final int holdAt;
        InboundMailbox mailbox;
        boolean holdInSend;

        HeldDelivery(int holdAt) {
            this.holdAt = holdAt;
        }

        @Override
        public void deliver(byte channelId, byte[] message) {
            threads.add(Thread.currentThread());
            if (mailbox != null) {
                pausedWhenDelivered.add(mailbox.readingPaused());
            }
            if (message[0] == holdAt) {
                if (holdInSend) {
                    mailbox.blockedInSend(this::hold);
                } else {
                    hold();
                }
            }
            delivered.add((int) message[0]);
        }

        private boolean hold() {
            reached.countDown();
            try {
                return release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.add(true);
                return false;
            }
        }
    }

    private static byte[] message(int first, int size) {
        byte[] bytes = new byte[size];
        bytes[0] = (byte) first;
        return bytes;
    }

    @Test
    void whatCameBeforeStartIsDeliveredAtStartAndEverythingInOrderOneAtATime() {
        HeldDelivery reactor = new HeldDelivery(-1);
        InboundMailbox mailbox = new InboundMailbox("test", 1 << 20, new MailboxReserve(0), reactor, () -> {}, e -> {});
        for (int i = 0; i < 50; i++) {
            mailbox.put((byte) 1, message(i, 10));
        }
        assertThat(reactor.delivered).as("nothing before start").isEmpty();
        mailbox.start();
        for (int i = 50; i < 100; i++) {
            mailbox.put((byte) 1, message(i, 10));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> reactor.delivered.size() == 100);
        assertThat(reactor.delivered).isSorted().doesNotHaveDuplicates();
        assertThat(reactor.threads).allMatch(Thread::isVirtual);
        assertThat(mailbox.queuedBytes()).isZero();
        assertThat(mailbox.close(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void readingPausesPastTheBoundAndResumesOnceHalfOfItIsLeft() throws Exception {
        HeldDelivery reactor = new HeldDelivery(0);
        List<Boolean> changes = new CopyOnWriteArrayList<>();
        InboundMailbox[] box = new InboundMailbox[1];
        InboundMailbox mailbox = new InboundMailbox("test", 100, new MailboxReserve(0), reactor,
                () -> changes.add(box[0].readingPaused()), e -> {});
        box[0] = mailbox;
        reactor.mailbox = mailbox;
        mailbox.put((byte) 1, message(0, 40));
        mailbox.put((byte) 1, message(1, 40));
        assertThat(mailbox.readingPaused()).as("80 of 100 bytes").isFalse();
        mailbox.put((byte) 1, message(2, 40));
        assertThat(mailbox.readingPaused()).as("120 of 100 bytes").isTrue();
        mailbox.start();
        assertThat(reactor.reached.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mailbox.readingPaused()).as("80 bytes still wait, over half the bound").isTrue();
        reactor.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> reactor.delivered.size() == 3);
        assertThat(mailbox.readingPaused()).isFalse();
        assertThat(changes).containsExactly(true, false);
        // 80 bytes waited behind the first message, 40 (under half) behind the second
        assertThat(reactor.pausedWhenDelivered).containsExactly(true, false, false);
        assertThat(mailbox.close(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void whileBlockedInASendTheMailboxBorrowsFromTheReserveAndGivesItAllBack() throws Exception {
        HeldDelivery reactor = new HeldDelivery(0);
        reactor.holdInSend = true;
        MailboxReserve reserve = new MailboxReserve(1_000);
        List<Boolean> changes = new CopyOnWriteArrayList<>();
        InboundMailbox[] box = new InboundMailbox[1];
        InboundMailbox mailbox = new InboundMailbox("test", 10, reserve, reactor,
                () -> changes.add(box[0].readingPaused()), e -> {});
        box[0] = mailbox;
        reactor.mailbox = mailbox;
        mailbox.start();
        mailbox.put((byte) 1, message(0, 1));
        assertThat(reactor.reached.await(10, TimeUnit.SECONDS)).isTrue();
        // the reactor waits in a send: 50 bytes come, 40 past the bound, borrowed, and reading goes on
        mailbox.put((byte) 1, message(1, 50));
        assertThat(mailbox.readingPaused()).isFalse();
        assertThat(reserve.lent()).isEqualTo(40);
        // past what the reserve holds, reading pauses after all
        mailbox.put((byte) 1, message(2, 1_000));
        assertThat(mailbox.readingPaused()).isTrue();
        assertThat(reserve.lent()).isEqualTo(40);

        reactor.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> reactor.delivered.size() == 3);
        assertThat(reactor.delivered).containsExactly(0, 1, 2);
        assertThat(reserve.lent()).as("all given back").isZero();
        assertThat(mailbox.readingPaused()).isFalse();
        assertThat(changes).containsExactly(true, false);
        assertThat(mailbox.close(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void closeLetsWhatWasReceivedBeDeliveredAndIgnoresWhatComesAfter() throws Exception {
        HeldDelivery reactor = new HeldDelivery(0);
        InboundMailbox mailbox = new InboundMailbox("test", 1 << 20, new MailboxReserve(0), reactor, () -> {}, e -> {});
        mailbox.start();
        for (int i = 0; i < 3; i++) {
            mailbox.put((byte) 1, message(i, 1));
        }
        assertThat(reactor.reached.await(10, TimeUnit.SECONDS)).isTrue();
        List<Boolean> closed = new CopyOnWriteArrayList<>();
        Thread closer = Thread.ofVirtual().start(() -> closed.add(mailbox.close(Duration.ofSeconds(30))));
        // the close is waiting; a message that comes now is not taken
        await().atMost(Duration.ofSeconds(10)).until(() -> closer.getState() == Thread.State.TIMED_WAITING
                || closer.getState() == Thread.State.WAITING);
        mailbox.put((byte) 1, message(9, 1));
        reactor.release.countDown();
        assertThat(closer.join(Duration.ofSeconds(10))).isTrue();
        assertThat(closed).containsExactly(true);
        assertThat(reactor.delivered).containsExactly(0, 1, 2);
    }

    @Test
    void aCloseThatTimesOutInterruptsTheStuckReactorAndDropsTheRest() throws Exception {
        HeldDelivery reactor = new HeldDelivery(0);
        InboundMailbox mailbox = new InboundMailbox("test", 1 << 20, new MailboxReserve(0), reactor, () -> {}, e -> {});
        mailbox.start();
        mailbox.put((byte) 1, message(0, 1));
        mailbox.put((byte) 1, message(1, 1));
        assertThat(reactor.reached.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mailbox.close(Duration.ofMillis(50))).isFalse();
        assertThat(mailbox.queuedBytes()).isZero();
        assertThat(reactor.threads.get(0).join(Duration.ofSeconds(10))).isTrue();
        assertThat(reactor.interrupted).containsExactly(true);
        assertThat(reactor.delivered).as("the stuck one returns; the one behind it is dropped").containsExactly(0);
    }

    @Test
    void aDeliveryThatClosesItsOwnMailboxReturnsAtOnceAndNothingMoreIsDelivered() throws Exception {
        List<Integer> delivered = new CopyOnWriteArrayList<>();
        List<Boolean> closedInTime = new CopyOnWriteArrayList<>();
        InboundMailbox[] box = new InboundMailbox[1];
        box[0] = new InboundMailbox("test", 1 << 20, new MailboxReserve(0), (channel, message) -> {
            delivered.add((int) message[0]);
            closedInTime.add(box[0].close(Duration.ofSeconds(30))); // would wait for itself for ever
        }, () -> {}, e -> {});
        box[0].put((byte) 1, message(0, 1));
        box[0].put((byte) 1, message(1, 1));
        box[0].start();
        await().atMost(Duration.ofSeconds(10)).until(() -> closedInTime.size() == 1);
        assertThat(closedInTime).containsExactly(true);
        assertThat(delivered).containsExactly(0);
        assertThat(box[0].queuedBytes()).isZero();
    }
}
