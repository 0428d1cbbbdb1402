package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One peer's broadcast lane alone, in front of a send the test controls. */
class BroadcastLaneTest {

    /** A peer's send that records what it is given and, while {@code hold} is up, blocks. */
    private static final class RecordingSend implements BroadcastLane.Sender {
        final List<Integer> sent = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final CountDownLatch hold;

        RecordingSend(boolean blocking) {
            hold = new CountDownLatch(blocking ? 1 : 0);
        }

        @Override
        public boolean send(byte channelId, byte[] message) {
            sent.add((int) message[0]);
            threads.add(Thread.currentThread());
            try {
                return hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static byte[] message(int n) {
        return new byte[] {(byte) n};
    }

    @Test
    void messagesGoToThePeerInTheOrderTheyWereOfferedOnTheLanesOwnThread() {
        RecordingSend send = new RecordingSend(false);
        BroadcastLane lane = new BroadcastLane("broadcast-test", send);
        List<Integer> offered = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            if (lane.offer((byte) 1, message(i))) {
                offered.add(i);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> send.sent.size() == offered.size());
        assertThat(send.sent).containsExactlyElementsOf(offered);
        assertThat(offered).hasSizeGreaterThanOrEqualTo(BroadcastLane.CAPACITY);
        assertThat(send.threads).extracting(Thread::getName).containsOnly("broadcast-test");
        assertThat(send.threads).allMatch(Thread::isVirtual).allMatch(t -> t == send.threads.get(0));
        lane.close();
    }

    @Test
    void aStalledPeerCostsAtMostTheCapacityAndTheNextMessageIsDroppedWithoutWaiting() {
        RecordingSend send = new RecordingSend(true);
        BroadcastLane lane = new BroadcastLane("broadcast-test", send);
        assertThat(lane.offer((byte) 1, message(0))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> send.sent.size() == 1); // the lane's thread is stuck in it
        for (int i = 1; i <= BroadcastLane.CAPACITY; i++) {
            assertThat(lane.offer((byte) 1, message(i))).as("message %d", i).isTrue();
        }
        assertThat(lane.offer((byte) 1, message(99))).as("over the capacity").isFalse();

        send.hold.countDown(); // the peer takes messages again: what was queued goes, in order
        await().atMost(Duration.ofSeconds(10)).until(() -> send.sent.size() == BroadcastLane.CAPACITY + 1);
        assertThat(send.sent).doesNotContain(99).isSorted();
        assertThat(lane.offer((byte) 1, message(100))).as("room again").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> send.sent.contains(100));
        lane.close();
    }

    @Test
    void closingDropsWhatWaitsAndRefusesWhatComesAfter() throws Exception {
        RecordingSend send = new RecordingSend(true);
        BroadcastLane lane = new BroadcastLane("broadcast-test", send);
        assertThat(lane.offer((byte) 1, message(0))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> send.sent.size() == 1);
        assertThat(lane.offer((byte) 1, message(1))).isTrue();
        lane.close();
        assertThat(lane.offer((byte) 1, message(2))).isFalse();
        send.hold.countDown();
        // the lane's thread ends after the send in hand, and sends nothing more
        assertThat(send.threads.get(0).join(Duration.ofSeconds(10))).isTrue();
        assertThat(send.sent).containsExactly(0);
    }
}
