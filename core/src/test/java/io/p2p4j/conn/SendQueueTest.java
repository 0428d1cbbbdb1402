package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The send queue alone: room in messages and bytes, first-come-first-served waiters, wake-ups, interrupts and closing. */
class SendQueueTest {
    private static final long LONG = TimeUnit.SECONDS.toNanos(10);
    /** A byte bound that the one-byte messages of the tests never reach. */
    private static final long ANY_BYTES = 1 << 20;

    private static byte[] message(int n) {
        return new byte[] {(byte) n};
    }

    private static Thread offerInBackground(SendQueue queue, int n, List<Boolean> results) {
        return Thread.ofVirtual().start(() -> {
            boolean ok = queue.offer(message(n), LONG);
            synchronized (results) {
                results.add(ok);
            }
        });
    }

    @Test
    void aProducerThatArrivesWhileOthersWaitQueuesBehindThemInsteadOfTakingTheFreedPlace() throws Exception {
        SendQueue queue = new SendQueue(1, ANY_BYTES);
        assertThat(queue.offer(message(0), 0)).isTrue();
        List<Boolean> results = new ArrayList<>();
        Thread waiting = offerInBackground(queue, 1, results);
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);

        assertThat(queue.poll()).containsExactly(0);
        // the place just freed is the waiting producer's: a newcomer that will not wait gets none
        assertThat(queue.offer(message(2), 0)).isFalse();
        waiting.join(Duration.ofSeconds(10));
        assertThat(results).containsExactly(true);
        assertThat(queue.poll()).containsExactly(1);
        assertThat(queue.poll()).isNull();
    }

    @Test
    void waitingProducersAreServedInTheOrderTheyCame() throws Exception {
        SendQueue queue = new SendQueue(2, ANY_BYTES);
        assertThat(queue.offer(message(0), 0)).isTrue();
        assertThat(queue.offer(message(1), 0)).isTrue();
        List<Boolean> results = new ArrayList<>();
        List<Thread> producers = new ArrayList<>();
        for (int n = 2; n < 8; n++) {
            producers.add(offerInBackground(queue, n, results));
            int expected = n - 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == expected);
        }
        List<Integer> order = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (order.size() < 8 && System.nanoTime() < deadline) {
            byte[] m = queue.poll();
            if (m != null) {
                order.add((int) m[0]);
            } else {
                Thread.onSpinWait();
            }
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        for (Thread t : producers) {
            t.join(Duration.ofSeconds(10));
        }
        assertThat(results).containsOnly(true).hasSize(6);
    }

    @Test
    void aWaiterThatTimesOutPassesItsTurnOn() throws Exception {
        SendQueue queue = new SendQueue(1, ANY_BYTES);
        assertThat(queue.offer(message(0), 0)).isTrue();
        List<Boolean> results = new ArrayList<>();
        Thread impatient = Thread.ofVirtual().start(() -> {
            boolean ok = queue.offer(message(1), TimeUnit.MILLISECONDS.toNanos(50));
            synchronized (results) {
                results.add(ok);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);
        Thread patient = offerInBackground(queue, 2, results);
        impatient.join(Duration.ofSeconds(10));
        assertThat(results).containsExactly(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);
        assertThat(queue.poll()).containsExactly(0);
        patient.join(Duration.ofSeconds(10));
        assertThat(queue.poll()).containsExactly(2);
    }

    @Test
    void closingWakesEveryWaiterWithFalse() throws Exception {
        SendQueue queue = new SendQueue(1, ANY_BYTES);
        assertThat(queue.offer(message(0), 0)).isTrue();
        List<Boolean> results = new ArrayList<>();
        List<Thread> producers = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            producers.add(offerInBackground(queue, n, results));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 3);
        queue.close();
        for (Thread t : producers) {
            t.join(Duration.ofSeconds(10));
        }
        assertThat(results).containsExactly(false, false, false);
        assertThat(queue.offer(message(4), LONG)).isFalse();
        assertThat(queue.tryOffer(message(5))).isFalse();
    }

    @Test
    void tryOfferRefusesAFullQueueAtOnceAndTheCountsFollowEveryChange() {
        SendQueue queue = new SendQueue(2, ANY_BYTES);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.tryOffer(new byte[10])).isTrue();
        assertThat(queue.tryOffer(new byte[20])).isTrue();
        assertThat(queue.tryOffer(new byte[1])).as("full").isFalse();
        assertThat(queue.offer(new byte[1], 0)).as("full, no wait").isFalse();
        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.bytes()).isEqualTo(30);
        assertThat(queue.poll()).hasSize(10);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.bytes()).isEqualTo(20);
        queue.close();
        assertThat(queue.size()).isZero();
        assertThat(queue.bytes()).isZero();
        assertThat(queue.poll()).as("closing dropped what waited").isNull();
    }

    @Test
    void aWaitingProducerGetsItsPlaceOnceTheQueueHasDrainedToHalf() throws Exception {
        SendQueue queue = new SendQueue(4, ANY_BYTES);
        for (int n = 0; n < 4; n++) {
            assertThat(queue.offer(message(n), 0)).isTrue();
        }
        // a waiter that would give up only long after the wait below: it must be woken, not time out
        Thread waiting = Thread.ofVirtual().start(() -> queue.offer(message(4), TimeUnit.SECONDS.toNanos(60)));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);
        assertThat(queue.poll()).containsExactly(0);
        assertThat(queue.poll()).containsExactly(1); // down to 2 of 4: the waiter is woken
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.size() == 3);
        assertThat(waiting.join(Duration.ofSeconds(10))).isTrue();
        assertThat(queue.waitingProducers()).isZero();
    }

    @Test
    void anInterruptedWaiterReturnsFalseKeepsItsInterruptAndPassesItsTurnOn() throws Exception {
        SendQueue queue = new SendQueue(1, ANY_BYTES);
        assertThat(queue.offer(message(0), 0)).isTrue();
        List<Boolean> results = new ArrayList<>();
        List<Boolean> interrupted = new ArrayList<>();
        Thread first = Thread.ofVirtual().start(() -> {
            boolean ok = queue.offer(message(1), LONG);
            synchronized (results) {
                results.add(ok);
                interrupted.add(Thread.currentThread().isInterrupted());
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);
        Thread second = offerInBackground(queue, 2, results);
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 2);
        first.interrupt();
        assertThat(first.join(Duration.ofSeconds(10))).isTrue();
        assertThat(results).containsExactly(false);
        assertThat(interrupted).containsExactly(true);
        assertThat(queue.poll()).containsExactly(0);
        assertThat(second.join(Duration.ofSeconds(10))).isTrue();
        assertThat(queue.poll()).containsExactly(2);
    }

    @Test
    void queuedBytesStayWithinTheBoundButALargerMessageGoesAlone() {
        SendQueue queue = new SendQueue(10, 100);
        assertThat(queue.tryOffer(new byte[60])).isTrue();
        assertThat(queue.hasRoomFor(50)).isFalse();
        assertThat(queue.tryOffer(new byte[50])).as("110 bytes over the bound of 100").isFalse();
        assertThat(queue.tryOffer(new byte[40])).as("exactly the bound").isTrue();
        assertThat(queue.poll()).hasSize(60);
        assertThat(queue.poll()).hasSize(40);
        assertThat(queue.hasRoomFor(500)).isTrue();
        assertThat(queue.tryOffer(new byte[500])).as("alone in an empty queue").isTrue();
        assertThat(queue.tryOffer(new byte[1])).isFalse();
        assertThat(queue.bytes()).isEqualTo(500);
    }

    @Test
    void aProducerWaitingForBytesIsWokenOnceEnoughHaveGone() throws Exception {
        SendQueue queue = new SendQueue(10, 100);
        assertThat(queue.offer(new byte[40], 0)).isTrue();
        assertThat(queue.offer(new byte[40], 0)).isTrue();
        List<Boolean> results = new ArrayList<>();
        Thread waiting = Thread.ofVirtual().start(() -> {
            boolean ok = queue.offer(new byte[70], LONG);
            synchronized (results) {
                results.add(ok);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);
        assertThat(queue.poll()).hasSize(40); // 40 + 70 is still over the bound: it waits on
        assertThat(queue.waitingProducers()).isEqualTo(1);
        assertThat(queue.poll()).hasSize(40);
        waiting.join(Duration.ofSeconds(10));
        assertThat(results).containsExactly(true);
        assertThat(queue.poll()).hasSize(70);
    }

    @Test
    void aWaitingProducerOfSmallMessagesIsWokenAtHalfTheCountNotAtEveryMessage() throws Exception {
        SendQueue queue = new SendQueue(4, ANY_BYTES); // small messages: always under half the byte bound
        for (int n = 0; n < 4; n++) {
            assertThat(queue.offer(message(n), 0)).isTrue();
        }
        List<Boolean> results = new ArrayList<>();
        Thread waiting = offerInBackground(queue, 4, results);
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.waitingProducers() == 1);
        assertThat(queue.poll()).containsExactly(0); // three left, over half: it sleeps on
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> queue.waitingProducers() == 1);
        assertThat(queue.size()).isEqualTo(3);
        assertThat(queue.poll()).containsExactly(1); // two left, half: now it is woken
        waiting.join(Duration.ofSeconds(10));
        assertThat(results).containsExactly(true);
        assertThat(queue.size()).isEqualTo(3);
    }
}
