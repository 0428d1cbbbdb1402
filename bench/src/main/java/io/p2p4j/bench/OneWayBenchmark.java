package io.p2p4j.bench;

import com.google.protobuf.BytesValue;
import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One-way throughput between two nodes, the same way for Go CometBFT v0.38.25 and p2p4j (the Go
 * side of performance.md S1a and S2): a sender pushes 64 KiB messages, then 1 KiB messages, each
 * a protobuf BytesValue, to a sink over one SecretConnection, rate limits off, on one channel
 * with go-peer's send queue of 100, then one short acknowledgement request; the sink decodes and
 * counts what arrives from the first message to the last of each run and answers the request,
 * so the rate is delivered payload at the receiver. Go: a go-peer sender
 * ({@code -bench-oneway}) and a go-peer sink ({@code -sink}); p2p4j: two switches in this
 * process. Run: {@code bench/run oneway [--trials N]} (the Go rows need Go).
 */
public final class OneWayBenchmark {
    /** {size, count} of each run: each lasts about a second or more at Go's rates on a 2-core machine. */
    static final int[][] MIX = {{64 * 1024, 3000}, {1024, 100_000}};
    /** A BytesValue this short is an acknowledgement request, not a measured message (go-peer's rule too). */
    private static final byte[] ACK_REQUEST = InteropBenchmark.bytesValue(new byte[] {1});

    /** Delivered payload MB/s and messages/s of one run. */
    record Rate(double megabytesPerSecond, double messagesPerSecond) {}

    /** One trial: a new sender and sink, the rate of each run of {@link #MIX}. */
    interface Pair {
        List<Rate> trial() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        Path goPeer = InteropBenchmark.buildGoPeerOrSay("Go rows skipped");
        Path work = Files.createTempDirectory("p2p4j-oneway-bench");
        System.out.printf("One-way benchmark: JDK %s, %d cores, sender -> sink over one SecretConnection, %d trials%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), trials);
        System.out.printf("%-36s %24s %24s%n", "sender -> sink, one way", "MB/s [min-max]", "messages/s [min-max]");
        print("p2p4j -> p2p4j", trials(OneWayBenchmark::javaTrial, true, trials));
        if (goPeer != null) {
            print("CometBFT -> CometBFT", trials(() -> goTrial(goPeer, work), false, trials));
        }
    }

    private static void print(String pair, double[][] rates) {
        for (int m = 0; m < MIX.length; m++) {
            System.out.printf("%-36s %24s %24s%n", String.format("%s, %,d x %,d B", pair, MIX[m][1], MIX[m][0]),
                    MConnectionBenchmark.summary(rates[2 * m], "%.1f"), MConnectionBenchmark.summary(rates[2 * m + 1], "%.0f"));
        }
    }

    /**
     * {64 KiB MB/s, 64 KiB messages/s, 1 KiB MB/s, 1 KiB messages/s}, one value per trial, after
     * a trial thrown away if {@code warmUp} (for p2p4j, whose code the JIT has yet to compile).
     */
    static double[][] trials(Pair pair, boolean warmUp, int trials) throws Exception {
        if (warmUp) {
            pair.trial();
        }
        double[][] rates = new double[2 * MIX.length][trials];
        for (int t = 0; t < trials; t++) {
            List<Rate> runs = pair.trial();
            for (int m = 0; m < MIX.length; m++) {
                rates[2 * m][t] = runs.get(m).megabytesPerSecond();
                rates[2 * m + 1][t] = runs.get(m).messagesPerSecond();
            }
        }
        return rates;
    }

    /** Two p2p4j switches in this process. */
    static List<Rate> javaTrial() throws Exception {
        Sink sink = new Sink();
        InteropBenchmark.EchoReactor acknowledgements = new InteropBenchmark.EchoReactor(false);
        try (Switch sinkNode = InteropBenchmark.javaNode(sink);
                Switch senderNode = InteropBenchmark.javaNode(acknowledgements)) {
            Peer peer = senderNode.dial(sinkNode.listenAddress()).get(30, TimeUnit.SECONDS);
            for (int[] run : MIX) {
                byte[] payload = InteropBenchmark.bytesValue(new byte[run[0]]);
                for (int i = 0; i <= run[1]; i++) {
                    if (!peer.send(InteropBenchmark.CHANNEL, i < run[1] ? payload : ACK_REQUEST)) {
                        throw new IllegalStateException("the sink's connection refused message " + i);
                    }
                }
                if (!acknowledgements.arrivals.tryAcquire(300, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the sink did not acknowledge");
                }
            }
            return sink.rates();
        }
    }

    /** A go-peer sender and a go-peer sink: CometBFT v0.38.25 on both ends. */
    static List<Rate> goTrial(Path goPeer, Path work) throws Exception {
        StringBuilder mix = new StringBuilder();
        for (int[] run : MIX) {
            mix.append(mix.isEmpty() ? "" : ",").append(run[0]).append('x').append(run[1]);
        }
        try (ChildProcess sink = ChildProcess.goPeer(goPeer, work, "-moniker", "sink", "-echo=false", "-sink",
                "-log-level", "error")) {
            String address = sink.waitFor("READY", 60).replaceFirst(".*addr=", "");
            try (ChildProcess sender = ChildProcess.goPeer(goPeer, work, "-moniker", "sender", "-echo=false",
                    "-log-level", "error", "-bench-oneway", address, "-bench-oneway-mix", mix.toString())) {
                String end = sender.waitForAny(List.of("BENCH done", "BENCH error"), 600);
                if (end.startsWith("BENCH error")) {
                    throw new IllegalStateException("go-peer one-way sender: " + end);
                }
            }
            List<String> tallies = tallies(sink);
            for (long waitUntil = System.nanoTime() + 10_000_000_000L; tallies.size() < MIX.length
                    && System.nanoTime() < waitUntil; tallies = tallies(sink)) {
                LockSupport.parkNanos(10_000_000L); // printed before its answer, but read from its pipe separately
            }
            if (tallies.size() != MIX.length) {
                throw new IllegalStateException("go-peer sink printed " + tallies + " for " + MIX.length + " runs");
            }
            return tallies.stream().map(line -> rate(HandshakeBenchmark.field(line, "messages="),
                    HandshakeBenchmark.field(line, "bytes="), HandshakeBenchmark.field(line, "seconds="))).toList();
        }
    }

    private static List<String> tallies(ChildProcess sink) {
        return sink.lines().stream().filter(line -> line.startsWith("SINK ")).toList();
    }

    private static Rate rate(double messages, double bytes, double seconds) {
        return new Rate(bytes / seconds / 1e6, messages / seconds);
    }

    /**
     * p2p4j's sink, counting as go-peer's does: decodes each message, counts the intervals from
     * the first arrival to the last, and at an acknowledgement request notes the rate and answers.
     */
    static final class Sink extends BaseReactor {
        private final List<Rate> rates = new ArrayList<>();
        private long messages;
        private long bytes;
        private long first;
        private long last;

        @Override
        public List<ChannelDescriptor> channels() {
            return InteropBenchmark.benchChannels();
        }

        @Override
        public synchronized void receive(byte channelId, Peer peer, byte[] message) throws Exception {
            int size = BytesValue.parseFrom(message).getValue().size();
            if (message.length > ACK_REQUEST.length) {
                long now = System.nanoTime();
                if (messages == 0) {
                    first = now;
                }
                last = now;
                messages++;
                bytes += size;
                return;
            }
            // the first message's bytes arrived before the clock started
            rates.add(rate(messages - 1, bytes - bytes / Math.max(messages, 1), (last - first) / 1e9));
            messages = 0;
            bytes = 0;
            peer.send(channelId, message);
        }

        synchronized List<Rate> rates() {
            return List.copyOf(rates);
        }
    }

    private OneWayBenchmark() {}
}
