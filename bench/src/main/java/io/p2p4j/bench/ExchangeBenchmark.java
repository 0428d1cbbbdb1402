package io.p2p4j.bench;

import io.p2p4j.net.TransportKind;
import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.ConnectedSwitches;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Two nodes whose reactors answer every request with a blocking {@code send} of the same size
 * from the delivering thread (hostile-peer issue, item 8): both put {@code --requests} requests
 * of {@code --size} bytes in flight at once, with the default mailbox bound, socket buffers and
 * send timeout; then the same bytes one way. Reports the exchange's time and MB/s per direction
 * against one-way MB/s, sends that failed (timed out) and the longest send. Rate limits off.
 * Run: {@code bench/run exchange [--requests 100 --size 1048576 --trials 3]}.
 */
public final class ExchangeBenchmark {
    private static final byte CHANNEL = 0x50;
    private static final byte REQUEST = 1;
    private static final byte ANSWER = 2;
    private static final byte ONE_WAY = 3;

    public static void main(String[] args) throws Exception {
        int requests = MConnectionBenchmark.intArg(args, "--requests", 100);
        int size = MConnectionBenchmark.intArg(args, "--size", 1 << 20);
        int trials = MConnectionBenchmark.intArg(args, "--trials", 3);
        System.out.printf("Exchange: JDK %s, %d cores, %d requests of %d bytes each way, %d trials%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), requests, size, trials);
        System.out.printf("%-8s %12s %18s %18s %8s %14s %16s%n", "trial", "exchange ms", "exchange MB/s/dir",
                "one-way MB/s", "ratio", "failed sends", "longest send ms");
        for (int t = 0; t < trials; t++) {
            double[] r = trial(requests, size);
            System.out.printf("%-8d %12.0f %18.1f %18.1f %8.2f %14.0f %16.0f%n", t + 1, r[0], r[1], r[2], r[1] / r[2],
                    r[3], r[4]);
        }
    }

    /** Answers requests with a blocking send; counts answers, one-way messages, failed sends. */
    private static final class Answering extends BaseReactor {
        final int size;
        final AtomicInteger failedSends = new AtomicInteger();
        final AtomicLong longestSendMs = new AtomicLong();
        final CountDownLatch answers;
        final CountDownLatch oneWay;

        Answering(int requests, int size) {
            this.size = size;
            this.answers = new CountDownLatch(requests);
            this.oneWay = new CountDownLatch(requests);
        }

        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(CHANNEL).recvMessageCapacity(2 * size).build());
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) {
            switch (message[0]) {
                case REQUEST -> send(peer, ANSWER);
                case ANSWER -> answers.countDown();
                default -> oneWay.countDown();
            }
        }

        void send(Peer peer, byte kind) {
            byte[] message = new byte[size];
            message[0] = kind;
            long start = System.nanoTime();
            if (!peer.send(CHANNEL, message)) {
                failedSends.incrementAndGet();
            }
            longestSendMs.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
        }
    }

    /** Returns exchange ms, exchange MB/s per direction, one-way MB/s, failed sends, longest send ms. */
    private static double[] trial(int requests, int size) throws Exception {
        Answering[] reactors = new Answering[2];
        P2pConfig config = ConnectedSwitches.testConfig().withConnection(MConnectionConfig.defaults().unlimited());
        try (ConnectedSwitches net = ConnectedSwitches.create(2, TransportKind.TCP, config, (i, b) -> {
            reactors[i] = new Answering(requests, size);
            b.network("bench-chain").reactor("answering", reactors[i]);
        })) {
            long start = System.nanoTime();
            Thread[] injectors = new Thread[2];
            for (int i = 0; i < 2; i++) {
                Peer other = net.get(i).peers().list().get(0);
                Answering reactor = reactors[i];
                injectors[i] = Thread.ofVirtual().start(() -> {
                    for (int k = 0; k < requests; k++) {
                        reactor.send(other, REQUEST);
                    }
                });
            }
            boolean done = reactors[0].answers.await(120, TimeUnit.SECONDS) && reactors[1].answers.await(120, TimeUnit.SECONDS);
            double exchangeMs = (System.nanoTime() - start) / 1e6;
            for (Thread injector : injectors) {
                injector.join(10_000);
            }
            if (!done) {
                exchangeMs = Double.NaN;
            }
            Peer other = net.get(0).peers().list().get(0);
            long oneStart = System.nanoTime();
            for (int k = 0; k < requests; k++) {
                reactors[0].send(other, ONE_WAY);
            }
            reactors[1].oneWay.await(120, TimeUnit.SECONDS);
            double oneWayMs = (System.nanoTime() - oneStart) / 1e6;
            // each direction of the exchange carries the requests and the answers: 2 x requests messages
            double exchangeRate = 2.0 * requests * size / 1e6 / (exchangeMs / 1000);
            double oneWayRate = (double) requests * size / 1e6 / (oneWayMs / 1000);
            return new double[] {exchangeMs, exchangeRate, oneWayRate,
                    reactors[0].failedSends.get() + reactors[1].failedSends.get(),
                    Math.max(reactors[0].longestSendMs.get(), reactors[1].longestSendMs.get())};
        }
    }
}
