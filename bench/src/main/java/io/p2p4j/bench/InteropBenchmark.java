package io.p2p4j.bench;

import io.p2p4j.BaseReactor;
import io.p2p4j.ChannelDescriptor;
import io.p2p4j.NetAddress;
import io.p2p4j.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.conn.MConnectionConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Side by side, in one run: Go↔Go (two go-peer processes on the real cometbft module),
 * Java↔Java and Java→Go (a p2p4j client against go-peer), over loopback with SecretConnection,
 * rate limits off, the same mix: echo throughput of 200 messages of 64 KiB and of 2,000 of 1 KiB,
 * then the round-trip time of a 256-byte message. Run: {@code bench/run interop} (needs Go).
 */
public final class InteropBenchmark {
    static final byte CHANNEL = 0x70;
    static final int[][] MIX = {{65536, 200}, {1024, 2000}};
    static final int ROUNDS = 30;

    record Result(double mbs64k, double msgs1k, double p50Micros, double p99Micros) {}

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 3);
        Path work = Files.createTempDirectory("p2p4j-interop-bench");
        Path goPeer = buildGoPeer(work);
        System.out.printf("Interop benchmark: JDK %s, %d cores, CometBFT v0.38.25 go-peer, %d trials, medians%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), trials);
        List<Result> goGo = new ArrayList<>();
        List<Result> javaJava = new ArrayList<>();
        List<Result> javaGo = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            goGo.add(goToGo(goPeer, work));
            javaJava.add(javaTo(null, work));
            javaGo.add(javaTo(goPeer, work));
        }
        Result base = median(goGo);
        System.out.printf("%n%-12s %16s %16s %14s %14s %10s %10s%n", "pair", "64 KiB echo MB/s", "1 KiB echo msg/s",
                "RTT p50 ms", "RTT p99 ms", "MB/s ×Go", "msg/s ×Go");
        for (var row : List.of(List.of("Go↔Go", goGo), List.of("Java↔Java", javaJava), List.of("Java→Go", javaGo))) {
            @SuppressWarnings("unchecked")
            Result r = median((List<Result>) row.get(1));
            System.out.printf("%-12s %16.1f %16.0f %14.3f %14.3f %10.2f %10.2f%n", row.get(0), r.mbs64k(), r.msgs1k(),
                    r.p50Micros() / 1000, r.p99Micros() / 1000, r.mbs64k() / base.mbs64k(), r.msgs1k() / base.msgs1k());
        }
        System.out.println("\n(echo throughput counts each payload byte once although it crosses the connection twice;"
                + " Go's flush throttle of 100 ms sets its round-trip time)");
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

    /** The go-peer binary, or null after printing {@code skipped} and why when it cannot be built. */
    static Path buildGoPeerOrSay(Path work, String skipped) {
        try {
            return buildGoPeer(work);
        } catch (Exception e) {
            System.out.println(skipped + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return null;
        }
    }

    static Path buildGoPeer(Path work) throws Exception {
        Path out = work.resolve("go-peer");
        Process build = new ProcessBuilder("go", "build", "-o", out.toString(), ".").directory(Path.of("interop", "go-peer").toFile())
                .redirectErrorStream(true).start();
        String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!build.waitFor(15, TimeUnit.MINUTES) || build.exitValue() != 0) {
            throw new IllegalStateException("go build failed (is Go installed?):\n" + log);
        }
        return out;
    }

    private static Result goToGo(Path binary, Path work) throws Exception {
        try (ChildProcess server = ChildProcess.goPeer(binary, work, "-moniker", "server")) {
            String address = server.waitFor("READY", 30).replaceFirst(".*addr=", "");
            try (ChildProcess client = ChildProcess.goPeer(binary, work, "-moniker", "client", "-echo=false", "-bench-peer", address,
                    "-bench-latency-rounds", String.valueOf(ROUNDS))) {
                client.waitFor("BENCH done", 300);
                double mbs = 0;
                double msgs = 0;
                double p50 = 0;
                double p99 = 0;
                for (String line : client.lines()) {
                    if (line.startsWith("BENCH throughput size=65536")) {
                        mbs = 65536.0 * 200 / seconds(line) / 1e6;
                    } else if (line.startsWith("BENCH throughput size=1024")) {
                        msgs = 2000 / seconds(line);
                    } else if (line.startsWith("BENCH latency")) {
                        p50 = value(line, "p50_us=");
                        p99 = value(line, "p99_us=");
                    }
                }
                return new Result(mbs, msgs, p50, p99);
            }
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
            return List.of(ChannelDescriptor.builder(CHANNEL).sendQueueCapacity(100).recvMessageCapacity(1 << 20).build());
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

    private static Switch javaNode(EchoReactor reactor) {
        P2pConfig config = P2pConfig.defaults().withListen("tcp://127.0.0.1:0").withAllowDuplicateIp(true)
                .withConnection(MConnectionConfig.defaults().unlimited());
        Switch sw = Switch.builder(NodeKey.generate(), config).network("p2p4j-interop").reactor("echo", reactor).build();
        sw.start();
        return sw;
    }

    /** A p2p4j client against a go-peer echo server (binary given) or a p2p4j one (null). */
    private static Result javaTo(Path goBinary, Path work) throws Exception {
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
            double[] rtts = new double[ROUNDS];
            byte[] small = bytesValue(new byte[256]);
            for (int i = 0; i < ROUNDS; i++) {
                long start = System.nanoTime();
                peer.send(CHANNEL, small);
                client.arrivals.acquire();
                rtts[i] = (System.nanoTime() - start) / 1e3;
            }
            Arrays.sort(rtts);
            return new Result(rates[0], rates[1], rtts[ROUNDS / 2], rtts[ROUNDS * 99 / 100]);
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
