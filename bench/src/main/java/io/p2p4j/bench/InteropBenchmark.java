package io.p2p4j.bench;

import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.Reactor;
import io.p2p4j.Switch;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.interop.GoPeerBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Side by side, in one run: Go↔Go (two go-peer processes on the real cometbft module),
 * Java↔Java, Java→Go (a p2p4j client against a go-peer echo) and Go→Java (a go-peer client
 * against a p2p4j echo), over loopback with SecretConnection, rate limits off, the same mix: echo
 * throughput of 2,000 messages of 64 KiB and of 20,000 of 1 KiB ({@link #MIX}), then the round-trip time of a
 * 256-byte message, {@code --rounds} times (300 by default, so the p99 is not simply the
 * slowest). Run: {@code bench/run interop [--trials N --rounds R]} (needs Go).
 */
public final class InteropBenchmark {
    static final byte CHANNEL = 0x70;
    /**
     * Size and count of each throughput run: large enough that the echo overlaps both directions
     * (200 messages of 64 KiB, 13 MB, about fit in the queues, mailbox and socket buffers along the
     * way, so such a run measures filling them, out and then back, more than throughput).
     */
    static final int[][] MIX = {{65536, 2000}, {1024, 20000}};
    /** Go's flush throttle makes a Go↔Go round trip about 200 ms: allow far more per round. */
    static final long SECONDS_PER_ROUND_AT_MOST = 2;

    record Result(double mbs64k, double msgs1k, double p50Micros, double p99Micros) {}

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 3);
        int rounds = MConnectionBenchmark.intArg(args, "--rounds", 300);
        if (rounds < 1 || trials < 1) {
            throw new IllegalArgumentException("--trials and --rounds must be at least 1");
        }
        Path work = Files.createTempDirectory("p2p4j-interop-bench");
        Path goPeer = GoPeerBinary.ensureBuilt(Path.of("interop"), GoPeerBinary.BUILD_TIME_LIMIT);
        System.out.printf("Interop benchmark: JDK %s, %d cores, CometBFT v0.38.25 go-peer, %d trials, medians,"
                + " %d round trips per trial%n", Runtime.version(), Runtime.getRuntime().availableProcessors(), trials, rounds);
        List<Result> goGo = new ArrayList<>();
        List<Result> javaJava = new ArrayList<>();
        List<Result> javaGo = new ArrayList<>();
        List<Result> goJava = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            goGo.add(goToGo(goPeer, work, rounds));
            javaJava.add(javaTo(null, work, rounds));
            javaGo.add(javaTo(goPeer, work, rounds));
            goJava.add(goToJava(goPeer, work, rounds));
        }
        Result base = median(goGo);
        System.out.printf("%n%-12s %16s %16s %14s %14s %10s %10s%n", "pair", "64 KiB echo MB/s", "1 KiB echo msg/s",
                "RTT p50 ms", "RTT p99 ms", "MB/s ×Go", "msg/s ×Go");
        for (var row : List.of(List.of("Go↔Go", goGo), List.of("Java↔Java", javaJava), List.of("Java→Go", javaGo),
                List.of("Go→Java", goJava))) {
            @SuppressWarnings("unchecked")
            Result r = median((List<Result>) row.get(1));
            System.out.printf("%-12s %16.1f %16.0f %14.3f %14.3f %10.2f %10.2f%n", row.get(0), r.mbs64k(), r.msgs1k(),
                    r.p50Micros() / 1000, r.p99Micros() / 1000, r.mbs64k() / base.mbs64k(), r.msgs1k() / base.msgs1k());
        }
        System.out.println("\n(A→B: client A, echo B. Echo throughput counts each payload byte once although it crosses"
                + " the connection twice; Go's flush throttle of 100 ms sets its round-trip time)");
    }

    private static Result median(List<Result> results) {
        return new Result(med(results.stream().mapToDouble(Result::mbs64k).toArray()),
                med(results.stream().mapToDouble(Result::msgs1k).toArray()),
                med(results.stream().mapToDouble(Result::p50Micros).toArray()),
                med(results.stream().mapToDouble(Result::p99Micros).toArray()));
    }

    private static double med(double[] values) {
        Arrays.sort(values);
        return values[values.length / 2];
    }

    /** The go-peer binary (built unless up to date), or null after printing {@code skipped} and why. */
    static Path buildGoPeerOrSay(String skipped) {
        try {
            return GoPeerBinary.ensureBuilt(Path.of("interop"), GoPeerBinary.BUILD_TIME_LIMIT);
        } catch (Exception e) {
            System.out.println(skipped + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return null;
        }
    }

    /** p99 by nearest rank: with fewer than 100 samples that is the slowest one. */
    static double p99(double[] sorted) {
        return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
    }

    static Result goToGo(Path binary, Path work, int rounds) throws Exception {
        try (ChildProcess server = ChildProcess.goPeer(binary, work, "-moniker", "server")) {
            return goClient(binary, work, server.waitFor("READY", 30).replaceFirst(".*addr=", ""), rounds);
        }
    }

    /** A go-peer client against a p2p4j echo node. */
    private static Result goToJava(Path binary, Path work, int rounds) throws Exception {
        try (Switch server = javaNode(new EchoReactor(true))) {
            return goClient(binary, work, server.listenAddress().toString(), rounds);
        }
    }

    /** Runs go-peer's bench client against the echo node at {@code address} and reads its BENCH lines. */
    private static Result goClient(Path binary, Path work, String address, int rounds) throws Exception {
        try (ChildProcess client = ChildProcess.goPeer(binary, work, "-moniker", "client", "-echo=false", "-bench-peer", address,
                "-bench-latency-rounds", String.valueOf(rounds),
                "-bench-mix", MIX[0][0] + "x" + MIX[0][1] + "," + MIX[1][0] + "x" + MIX[1][1])) {
            String end = client.waitForAny(List.of("BENCH done", "BENCH error"), 300 + rounds * SECONDS_PER_ROUND_AT_MOST);
            if (end.startsWith("BENCH error")) {
                throw new IllegalStateException("go-peer bench client against " + address + ": " + end);
            }
            double mbs = 0;
            double msgs = 0;
            double p50 = 0;
            double p99 = 0;
            for (String line : client.lines()) {
                if (line.startsWith("BENCH throughput size=" + MIX[0][0] + " ")) {
                    mbs = (double) MIX[0][0] * MIX[0][1] / seconds(line) / 1e6;
                } else if (line.startsWith("BENCH throughput size=" + MIX[1][0] + " ")) {
                    msgs = MIX[1][1] / seconds(line);
                } else if (line.startsWith("BENCH latency")) {
                    p50 = value(line, "p50_us=");
                    p99 = value(line, "p99_us=");
                }
            }
            return new Result(mbs, msgs, p50, p99);
        }
    }

    private static double seconds(String line) {
        return value(line, "seconds=");
    }

    private static double value(String line, String key) {
        String rest = line.substring(line.indexOf(key) + key.length());
        return Double.parseDouble(rest.split(" ")[0]);
    }

    /** Echoes what it receives, or (client) counts what comes back. */
    static final class EchoReactor extends BaseReactor {
        final boolean echo;
        final Semaphore arrivals = new Semaphore(0);

        EchoReactor(boolean echo) {
            this.echo = echo;
        }

        @Override
        public List<ChannelDescriptor> channels() {
            return benchChannels();
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) {
            if (echo) {
                peer.send(channelId, message);
            } else {
                arrivals.release();
            }
        }
    }

    /** The measured channel, with go-peer's send queue of 100 messages. */
    static List<ChannelDescriptor> benchChannels() {
        return List.of(ChannelDescriptor.builder(CHANNEL).sendQueueCapacity(100).recvMessageCapacity(1 << 20).build());
    }

    /** A started p2p4j node with this reactor, listening on a free loopback port, rate limits off. */
    static Switch javaNode(Reactor reactor) {
        P2pConfig config = P2pConfig.defaults().withListen("tcp://127.0.0.1:0").withAllowDuplicateIp(true)
                .withConnection(MConnectionConfig.defaults().unlimited());
        Switch sw = Switch.builder(NodeKey.generate(), config).network("p2p4j-interop").reactor("echo", reactor).build();
        sw.start();
        return sw;
    }

    /** A p2p4j client against a go-peer echo server (binary given) or a p2p4j one (null). */
    static Result javaTo(Path goBinary, Path work, int rounds) throws Exception {
        ChildProcess goServer = null;
        Switch javaServer = null;
        EchoReactor client = new EchoReactor(false);
        Switch sw = javaNode(client);
        try {
            NetAddress target;
            if (goBinary != null) {
                goServer = ChildProcess.goPeer(goBinary, work, "-moniker", "server");
                target = NetAddress.parse(goServer.waitFor("READY", 30).replaceFirst(".*addr=", ""));
            } else {
                javaServer = javaNode(new EchoReactor(true));
                target = javaServer.listenAddress();
            }
            Peer peer = sw.dial(target).get(30, TimeUnit.SECONDS);
            double[] rates = new double[2];
            for (int m = 0; m < MIX.length; m++) {
                int size = MIX[m][0];
                int count = MIX[m][1];
                byte[] payload = bytesValue(new byte[size]);
                long start = System.nanoTime();
                Thread sender = Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < count; i++) {
                        peer.send(CHANNEL, payload);
                    }
                });
                if (!client.arrivals.tryAcquire(count, 300, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("echoes did not come back");
                }
                double secs = (System.nanoTime() - start) / 1e9;
                sender.join();
                rates[m] = m == 0 ? (double) size * count / secs / 1e6 : count / secs;
            }
            double[] rtts = new double[rounds];
            byte[] small = bytesValue(new byte[256]);
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                peer.send(CHANNEL, small);
                if (!client.arrivals.tryAcquire(SECONDS_PER_ROUND_AT_MOST * 30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("round trip " + i + " did not come back");
                }
                rtts[i] = (System.nanoTime() - start) / 1e3;
            }
            Arrays.sort(rtts);
            return new Result(rates[0], rates[1], rtts[rounds / 2], p99(rtts));
        } finally {
            sw.close();
            if (javaServer != null) {
                javaServer.close();
            }
            if (goServer != null) {
                goServer.close();
            }
        }
    }

    static byte[] bytesValue(byte[] data) {
        return com.google.protobuf.BytesValue.of(com.google.protobuf.ByteString.copyFrom(data)).toByteArray();
    }

    private InteropBenchmark() {}
}
