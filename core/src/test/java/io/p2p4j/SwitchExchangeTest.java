package io.p2p4j;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.ConnectedSwitches;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Two peers whose reactors answer every request with a blocking {@code send} from the delivering
 * thread, both at once: each side's mailbox bound must not stop the reading the other side's
 * answer waits for (issue 10, item 8). The scale (100 requests of 1 MiB each way) is cut
 * to 32 of 64 KiB with small mailboxes and socket buffers, which stalls the same way.
 */
class SwitchExchangeTest {
    static final byte CHANNEL = 0x50;
    static final int SIZE = 64 * 1024;
    static final int IN_FLIGHT = 32;
    /** Far less than the 4 MiB that can be in flight towards one side, as in the issue (4 MiB against 200 MiB). */
    static final long MAILBOX = 4L * SIZE;
    /** The switch's reserve, 16 mailboxes as the defaults have it. */
    static final long RESERVE = 16 * MAILBOX;
    /** Small kernel buffers, so what the connection holds in flight is the mailboxes' and queues' only. */
    static final int SOCKET_BUFFER = 64 * 1024;
    /** CometBFT's: waits for a peer that drains a backlog on a busy 2-core machine stay far below it. */
    static final Duration SEND_TIMEOUT = MConnectionConfig.defaults().sendTimeout();
    static final byte REQUEST = 1;
    static final byte ANSWER = 2;
    static final byte ONE_WAY = 3;

    /** Answers each request with a blocking send of the same size; counts answers and failed sends. */
    static final class Answering extends BaseReactor {
        final AtomicInteger failedSends = new AtomicInteger();
        final AtomicLong longestSendMs = new AtomicLong();
        final AtomicLong largestMailbox = new AtomicLong();
        final CountDownLatch answers = new CountDownLatch(IN_FLIGHT);
        final CountDownLatch oneWay = new CountDownLatch(2 * IN_FLIGHT);

        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(CHANNEL).recvMessageCapacity(2 * SIZE).build());
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) {
            largestMailbox.accumulateAndGet(peer.status().mailboxBytes(), Math::max);
            switch (message[0]) {
                case REQUEST -> send(peer, message(ANSWER));
                case ANSWER -> answers.countDown();
                default -> oneWay.countDown();
            }
        }

        void send(Peer peer, byte[] message) {
            long start = System.nanoTime();
            if (!peer.send(CHANNEL, message)) {
                failedSends.incrementAndGet();
            }
            longestSendMs.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
        }
    }

    static byte[] message(byte kind) {
        byte[] m = new byte[SIZE];
        m[0] = kind;
        return m;
    }

    static ConnectedSwitches pair(Answering[] reactors) {
        P2pConfig config = ConnectedSwitches.testConfig().withMailboxBytes(MAILBOX).withMailboxReserveBytes(RESERVE).withSocketBufferBytes(SOCKET_BUFFER)
                .withConnection(MConnectionConfig.defaults().unlimited().withSendTimeout(SEND_TIMEOUT));
        return ConnectedSwitches.create(2, TransportKind.TCP, config, (i, b) -> {
            reactors[i] = new Answering();
            b.network("test-chain").reactor("answering", reactors[i]);
        });
    }

    @Test
    void twoPeersThatAnswerEachOtherWithBlockingSendsNeverWaitOutTheSendTimeout() throws Exception {
        Answering[] reactors = new Answering[2];
        try (ConnectedSwitches net = pair(reactors)) {
            long start = System.nanoTime();
            // both sides put all their requests in flight at once, from threads that are not reactors'
            Thread[] injectors = new Thread[2];
            for (int i = 0; i < 2; i++) {
                Peer other = net.get(i).peers().list().get(0);
                Answering reactor = reactors[i];
                injectors[i] = Thread.ofVirtual().start(() -> {
                    for (int k = 0; k < IN_FLIGHT; k++) {
                        reactor.send(other, message(REQUEST));
                    }
                });
            }
            boolean done = reactors[0].answers.await(30, TimeUnit.SECONDS) && reactors[1].answers.await(30, TimeUnit.SECONDS);
            long exchangeMs = (System.nanoTime() - start) / 1_000_000;
            boolean injected = injectors[0].join(Duration.ofSeconds(10)) && injectors[1].join(Duration.ofSeconds(10));
            long oneWayMs = done ? oneWay(net, reactors) : -1; // after the exchange, so both run warm
            System.out.printf("exchange of %d requests and answers of %d KiB each way: %d ms, %d and %d answers, "
                    + "%d and %d sends failed, longest send %d ms, largest mailbox %d KiB; one way, %d messages: %d ms%n",
                    IN_FLIGHT, SIZE / 1024, exchangeMs, IN_FLIGHT - reactors[0].answers.getCount(),
                    IN_FLIGHT - reactors[1].answers.getCount(), reactors[0].failedSends.get(), reactors[1].failedSends.get(),
                    Math.max(reactors[0].longestSendMs.get(), reactors[1].longestSendMs.get()),
                    Math.max(reactors[0].largestMailbox.get(), reactors[1].largestMailbox.get()) / 1024,
                    2 * IN_FLIGHT, oneWayMs);
            assertThat(reactors[0].failedSends.get() + reactors[1].failedSends.get()).as("sends that timed out").isZero();
            assertThat(done).as("all answers arrived").isTrue();
            assertThat(injected).isTrue();
            assertThat(Math.max(reactors[0].longestSendMs.get(), reactors[1].longestSendMs.get()))
                    .isLessThan(SEND_TIMEOUT.toMillis());
            // memory: the bound, what the switch's reserve can lend, and the one message that crossed the bound
            assertThat(Math.max(reactors[0].largestMailbox.get(), reactors[1].largestMailbox.get()))
                    .isLessThanOrEqualTo(MAILBOX + RESERVE + SIZE);
        }
    }

    @Test
    void aPeerThatStopsReadingAndFloodsUsWhileOurReactorWaitsOnItIsReadOnlyUpToTheReserve() throws Exception {
        Answering answering = new Answering();
        CountDownLatch release = new CountDownLatch(1);
        BaseReactor stuck = new BaseReactor() { // never done with its first message, so its peer stops being read
            @Override
            public List<ChannelDescriptor> channels() {
                return answering.channels();
            }

            @Override
            public void receive(byte channelId, Peer peer, byte[] message) throws InterruptedException {
                release.await(30, TimeUnit.SECONDS);
            }
        };
        P2pConfig config = ConnectedSwitches.testConfig().withMailboxBytes(MAILBOX).withMailboxReserveBytes(RESERVE).withSocketBufferBytes(SOCKET_BUFFER)
                .withConnection(MConnectionConfig.defaults().unlimited().withSendTimeout(SEND_TIMEOUT));
        try (ConnectedSwitches net = ConnectedSwitches.create(2, TransportKind.TCP, config,
                (i, b) -> b.network("test-chain").reactor("answering", i == 0 ? answering : stuck))) {
            Peer hubAtFlooder = net.get(1).peers().list().get(0);
            Peer flooderAtHub = net.get(0).peers().list().get(0);
            Thread flood = Thread.ofVirtual().start(() -> {
                for (int k = 0; k < 400 && hubAtFlooder.send(CHANNEL, message(REQUEST)); k++) {
                    // until the hub stops reading us for good
                }
            });
            long limit = MAILBOX + RESERVE + SIZE;
            // the hub's reactor waits in sends to the flooder, so the hub reads on into the reserve...
            await().atMost(Duration.ofSeconds(30)).until(() -> flooderAtHub.status().mailboxBytes() > 8 * MAILBOX);
            // ...and no further, while the flooder keeps trying
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                    .until(() -> flooderAtHub.status().mailboxBytes() <= limit);
            release.countDown();
            assertThat(flood.join(Duration.ofSeconds(30))).isTrue();
            assertThat(answering.largestMailbox.get()).isLessThanOrEqualTo(limit);
        }
    }

    /** Sends as many bytes as one direction of the exchange carries, one way only; returns the time. */
    private static long oneWay(ConnectedSwitches net, Answering[] reactors) throws InterruptedException {
        Peer other = net.get(0).peers().list().get(0);
        long start = System.nanoTime();
        for (int k = 0; k < 2 * IN_FLIGHT; k++) {
            reactors[0].send(other, message(ONE_WAY));
        }
        assertThat(reactors[1].oneWay.await(30, TimeUnit.SECONDS)).isTrue();
        return (System.nanoTime() - start) / 1_000_000;
    }
}
