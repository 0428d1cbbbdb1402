package io.p2p4j.bench;

import io.p2p4j.net.TransportKind;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Switch;
import io.p2p4j.transport.Transport;
import io.p2p4j.transport.UpgradedConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Full peer handshakes on loopback, as a node accepts them (performance.md S5): 8 dialers, each
 * with its own identity, connect again and again to one listening node; each connection goes
 * through TCP connect, the SecretConnection handshake and the NodeInfo exchange with all its
 * checks, and the dialer closes it as soon as that is done. The listener is a whole node (a switch
 * with a full node's channels), so it also sets up the peer and drops it again. Reports handshakes
 * per second and the dialer's time per handshake (p50, p99) for p2p4j dialing p2p4j, CometBFT
 * dialing CometBFT (go-peer, when Go is installed) and p2p4j dialing CometBFT, in one run.
 * The p2p4j dialers warm up for half a trial first ({@code --warmup S} changes it): on a 2-core
 * machine the JIT compiler is still busy for many seconds after that, so a longer warm-up shows
 * the rate of a node that has run for a while, where a short one shows the early rate.
 * Run: {@code bench/run handshakes [--trials N --seconds S --warmup S]}.
 */
public final class HandshakeBenchmark {
    private static final int DIALERS = 8;
    private static final String NETWORK = "bench";
    private static final Transport.Settings TIMEOUTS =
            new Transport.Settings(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(1));

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "2"));
        double warmup = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--warmup", String.valueOf(seconds / 2)));
        System.out.printf("Handshake benchmark: JDK %s, %d cores, %d dialers, %d trials of %.1f s (after a warm-up of %.1f s)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), DIALERS, trials, seconds, warmup);
        Path work = Files.createTempDirectory("p2p4j-handshake-bench");
        Path goPeer = InteropBenchmark.buildGoPeerOrSay("CometBFT rows skipped");
        List<Rates> rows = new ArrayList<>();
        rows.add(javaToJava(trials, seconds, warmup));
        if (goPeer != null) {
            try (ChildProcess listener = goListener(goPeer, work)) {
                NetAddress address = listenAddress(listener);
                rows.add(goDialers("CometBFT -> CometBFT", goPeer, work, address, trials, seconds));
                rows.add(javaDialers("p2p4j -> CometBFT", address, trials, seconds, warmup));
            }
        }
        System.out.printf("%n%-24s %26s %26s %26s%n", "dialers -> listener", "handshakes/s [min-max]",
                "p50 ms [min-max]", "p99 ms [min-max]");
        for (Rates row : rows) {
            System.out.printf("%-24s %26s %26s %26s%n", row.label(), MConnectionBenchmark.summary(row.perSecond(), "%.0f"),
                    MConnectionBenchmark.summary(row.p50Millis(), "%.2f"), MConnectionBenchmark.summary(row.p99Millis(), "%.2f"));
        }
    }

    /** Handshakes per second and the dialer's p50 and p99 time per handshake, one value per trial. */
    record Rates(String label, double[] perSecond, double[] p50Millis, double[] p99Millis) {}

    /** p2p4j's dialers against a p2p4j node. */
    static Rates javaToJava(int trials, double seconds) throws Exception {
        return javaToJava(trials, seconds, seconds / 2);
    }

    /** The same after a warm-up of {@code warmup} seconds. */
    static Rates javaToJava(int trials, double seconds, double warmup) throws Exception {
        // every dialer comes from 127.0.0.1: no cap per address
        P2pConfig listenerConfig = P2pConfig.defaults().withListen("tcp://127.0.0.1:0").withAllowDuplicateIp(true)
                .withMaxInboundPeers(1000).withMaxPendingHandshakes(64, 64);
        try (Switch listener = Switch.builder(NodeKey.generate(), listenerConfig).network(NETWORK).moniker("listener")
                .reactor("full", new FullNodeChannels()).build()) {
            listener.start();
            return javaDialers("p2p4j -> p2p4j", listener.listenAddress(), trials, seconds, warmup);
        }
    }

    /** go-peer's dialers against a go-peer node: CometBFT v0.38.25 on both ends. */
    static Rates goToGo(Path goPeer, Path work, int trials, double seconds) throws Exception {
        try (ChildProcess listener = goListener(goPeer, work)) {
            return goDialers("CometBFT -> CometBFT", goPeer, work, listenAddress(listener), trials, seconds);
        }
    }

    private static ChildProcess goListener(Path goPeer, Path work) throws Exception {
        return ChildProcess.goPeer(goPeer, work, "-full-node-channels", "-echo=false", "-network", NETWORK,
                "-max-inbound", "1000", "-moniker", "listener");
    }

    private static NetAddress listenAddress(ChildProcess goPeer) throws InterruptedException {
        return NetAddress.parse(goPeer.waitFor("READY", 60).replaceFirst(".*addr=", ""));
    }

    private static Rates javaDialers(String label, NetAddress target, int trials, double seconds, double warmup)
            throws Exception {
        EventLoopGroup dialerLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Transport> dialers = new ArrayList<>();
        try {
            for (int i = 0; i < DIALERS; i++) {
                dialers.add(transport(NodeKey.generate(), dialerLoop));
            }
            run(dialers, target, warmup);
            double[] rates = new double[trials];
            double[] p50 = new double[trials];
            double[] p99 = new double[trials];
            for (int t = 0; t < trials; t++) {
                Trial trial = run(dialers, target, seconds);
                rates[t] = trial.perSecond();
                p50[t] = trial.percentileMillis(0.50);
                p99[t] = trial.percentileMillis(0.99);
            }
            return new Rates(label, rates, p50, p99);
        } finally {
            dialers.forEach(Transport::close);
            dialerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Rates goDialers(String label, Path goPeer, Path work, NetAddress target, int trials, double seconds)
            throws Exception {
        double[] rates = new double[trials];
        double[] p50 = new double[trials];
        double[] p99 = new double[trials];
        for (int t = 0; t < trials; t++) {
            try (ChildProcess dialer = ChildProcess.goPeer(goPeer, work, "-full-node-channels", "-echo=false",
                    "-network", NETWORK, "-moniker", "dialer", "-bench-handshakes", target.toString(),
                    "-bench-seconds", String.valueOf(seconds), "-bench-dialers", String.valueOf(DIALERS))) {
                String line = dialer.waitFor("BENCH", 120);
                if (line.contains("error=")) {
                    throw new IllegalStateException("go-peer handshake benchmark: " + line);
                }
                rates[t] = field(line, "count=") / field(line, "seconds=");
                p50[t] = field(line, "p50_us=") / 1000;
                p99[t] = field(line, "p99_us=") / 1000;
            }
        }
        return new Rates(label, rates, p50, p99);
    }

    /** The number after {@code name} in a go-peer report line such as {@code BENCH count=12 seconds=2.0}. */
    static double field(String line, String name) {
        return Double.parseDouble(line.replaceFirst(".*" + name + "([0-9.]+).*", "$1"));
    }

    private static Transport transport(NodeKey key, EventLoopGroup loop) {
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", NETWORK, NodeInfo.DEFAULT_VERSION,
                new byte[] {0x00, 0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x40, 0x60, 0x61}, "dialer");
        return new Transport(TransportKind.TCP, key, () -> info, TIMEOUTS, List.of(), loop);
    }

    /** Handshakes completed in a timed window and how long each took. */
    record Trial(double perSecond, long[] nanos) {
        double percentileMillis(double p) {
            return nanos.length == 0 ? Double.NaN : nanos[Math.min(nanos.length - 1, (int) (nanos.length * p))] / 1e6;
        }
    }

    private static Trial run(List<Transport> dialers, NetAddress target, double seconds) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean timing = new AtomicBoolean(false);
        Queue<Long> times = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (Transport dialer : dialers) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    long t0 = System.nanoTime();
                    try {
                        UpgradedConnection c = dialer.dial(target).get(10, TimeUnit.SECONDS);
                        long took = System.nanoTime() - t0;
                        c.channel().close();
                        if (timing.get()) {
                            times.add(took);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("handshake failed", e);
                    }
                }
            }));
        }
        LockSupport.parkNanos(100_000_000L);
        timing.set(true);
        long t0 = System.nanoTime();
        LockSupport.parkNanos((long) (seconds * 1e9));
        timing.set(false);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        long[] all = times.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Trial(all.length / elapsed, all);
    }

    private HandshakeBenchmark() {}
}
