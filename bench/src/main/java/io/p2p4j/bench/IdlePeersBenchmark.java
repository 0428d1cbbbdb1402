package io.p2p4j.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Switch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Memory per idle peer (performance.md S6): a hub node in a process of its own, with a full
 * node's channel set registered, accepts N peers that then stay idle with keepalive running; the
 * hub's memory is read before and after, each time after a full collection. The same N dialers
 * (p2p4j switches in this process, sharing two event loops) connect to a p2p4j hub, then to a
 * CometBFT v0.38.25 hub (go-peer, when Go is installed). Run: {@code bench/run peers [--peers N]}.
 */
public final class IdlePeersBenchmark {
    private static final String NETWORK = "idle-bench";
    private static final String HUB_HEAP = "128m";

    /** Memory figures of a hub, by name (heap, rss, threads or goroutines, ...), in bytes or counts. */
    record Memory(Map<String, Long> values) {
        static Memory parse(String line) {
            Map<String, Long> values = new HashMap<>();
            for (String field : line.split(" ")) {
                int eq = field.indexOf('=');
                if (eq > 0) {
                    values.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
                }
            }
            return new Memory(values);
        }

        long get(String name) {
            return values.getOrDefault(name, 0L);
        }
    }

    record Row(String hub, int peers, Memory before, Memory after, double connectSeconds) {
        /** Live heap per peer, with Go's goroutine stacks (a parked virtual thread's stack is on the Java heap). */
        double heapPerPeerKiB() {
            return perPeerKiB("heap") + perPeerKiB("stacks");
        }

        double perPeerKiB(String name) {
            return (after.get(name) - before.get(name)) / 1024.0 / peers;
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        if (args.length > 0 && args[0].equals("hub")) {
            runHub(MConnectionBenchmark.intArg(args, "--peers", 1000));
            return;
        }
        int peers = MConnectionBenchmark.intArg(args, "--peers", 1000);
        int settle = MConnectionBenchmark.intArg(args, "--settle", 10);
        System.out.printf("Idle peers benchmark: JDK %s, %d cores, %d idle peers on one hub, full-node channel set,"
                + " memory read %d s after the last peer joined%n", Runtime.version(),
                Runtime.getRuntime().availableProcessors(), peers, settle);
        List<Row> rows = new ArrayList<>();
        rows.add(javaHub(peers, settle));
        Path work = Files.createTempDirectory("p2p4j-idle-bench");
        Path goPeer = InteropBenchmark.buildGoPeerOrSay("CometBFT hub skipped");
        if (goPeer != null) {
            rows.add(goHub(goPeer, work, peers, settle));
        }
        System.out.printf("%n%-30s %8s %14s %14s %14s %12s %12s%n", "hub", "peers", "heap KiB/peer", "RSS KiB/peer",
                "heap MiB all", "threads", "connect s");
        for (Row r : rows) {
            String threads = r.after().values().containsKey("goroutines")
                    ? r.after().get("goroutines") + " goroutines" : r.after().get("threads") + " threads";
            System.out.printf("%-30s %8d %14.1f %14.1f %14.1f %12s %12.1f%n", r.hub(), r.peers(), r.heapPerPeerKiB(),
                    r.perPeerKiB("rss"), (r.after().get("heap") + r.after().get("stacks")) / 1048576.0, threads,
                    r.connectSeconds());
        }
        System.out.println("\n(heap: live heap after a full collection, plus goroutine stacks for Go; a parked virtual"
                + " thread's stack is on the Java heap. p2p4j's Netty buffers outside the heap: "
                + rows.get(0).after().get("direct") / 1024 + " KiB in use after)");
    }

    /** A p2p4j hub in a JVM of its own under {@code peers} idle dialers. */
    static Row javaHub(int peers, int settleSeconds) throws Exception {
        try (ChildProcess hub = new ChildProcess(javaHubCommand(peers))) {
            return measure("p2p4j (heap limit " + HUB_HEAP + ")", hub, peers, settleSeconds);
        }
    }

    /** A CometBFT v0.38.25 hub (go-peer) under the same dialers. */
    static Row goHub(Path goPeer, Path work, int peers, int settleSeconds) throws Exception {
        try (ChildProcess hub = ChildProcess.goPeer(goPeer, work, "-full-node-channels", "-echo=false",
                "-network", NETWORK, "-max-inbound", String.valueOf(peers + 16), "-log-level", "error")) {
            return measure("CometBFT v0.38.25", hub, peers, settleSeconds);
        }
    }

    private static List<String> javaHubCommand(int peers) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-Xmx" + HUB_HEAP, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), IdlePeersBenchmark.class.getName(), "hub", "--peers",
                String.valueOf(peers));
    }

    private static Row measure(String label, ChildProcess hub, int peers, int settleSeconds) throws Exception {
        NetAddress address = NetAddress.parse(hub.waitFor("READY", 60).replaceFirst(".*addr=", ""));
        Memory before = Memory.parse(hub.ask("mem", "MEM", 60));
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<Switch> dialers = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        try {
            Semaphore inFlight = new Semaphore(32);
            for (int i = 0; i < peers; i++) {
                Switch dialer = Switch.builder(NodeKey.generate(), P2pConfig.defaults().withListen("")
                                .withExternalAddress("127.0.0.1:26656").withAllowDuplicateIp(true))
                        .network(NETWORK).moniker("dialer-" + i).reactor("full", new FullNodeChannels())
                        .eventLoops(loops).build();
                dialers.add(dialer);
                dialer.start();
                inFlight.acquire();
                dialer.dial(address).whenComplete((peer, error) -> {
                    inFlight.release();
                    if (error != null) {
                        failures.add(error);
                    }
                });
            }
            int connected = 0;
            for (int round = 0; round < 240 && connected < peers && failures.isEmpty(); round++) {
                connected = Integer.parseInt(hub.ask("stats", "STATS", 60).replaceFirst(".*peers=(\\d+).*", "$1"));
                if (connected < peers) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                }
            }
            if (connected < peers) {
                throw new IllegalStateException(label + ": " + connected + " of " + peers + " peers joined; failures: "
                        + failures.stream().limit(3).toList());
            }
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(settleSeconds));
            Memory after = Memory.parse(hub.ask("mem", "MEM", 60));
            return new Row(label, peers, before, after, connectSeconds);
        } finally {
            dialers.parallelStream().forEach(Switch::close);
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The hub: a p2p4j node answering "mem", "stats" and "quit" on standard input. */
    private static void runHub(int peers) throws Exception {
        // every dialer comes from 127.0.0.1: no cap per address
        P2pConfig config = P2pConfig.defaults().withListen("tcp://127.0.0.1:0").withAllowDuplicateIp(true)
                .withMaxInboundPeers(peers + 16).withMaxPendingHandshakes(64, 64);
        try (Switch hub = Switch.builder(NodeKey.generate(), config).network(NETWORK).moniker("hub")
                .reactor("full", new FullNodeChannels()).build()) {
            hub.start();
            System.out.println("READY addr=" + hub.listenAddress());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                switch (line.trim()) {
                    case "mem" -> printMemory();
                    case "stats" -> System.out.println("STATS peers=" + hub.peers().size());
                    default -> System.out.println("UNKNOWN " + line);
                }
            }
        }
    }

    private static void printMemory() throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider
                ? provider.metric().usedDirectMemory() : -1;
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        System.out.printf("MEM heap=%d stacks=0 direct=%d rss=%d threads=%d%n", heap, direct, rss,
                ManagementFactory.getThreadMXBean().getThreadCount());
    }

    private IdlePeersBenchmark() {}
}
