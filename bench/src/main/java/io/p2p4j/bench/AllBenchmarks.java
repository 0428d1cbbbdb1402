package io.p2p4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenarios S1a-S7 of performance.md in one run, each beside the machine's ceiling and Go
 * CometBFT v0.38.25 measured in the same run where the scenario has them, written as one
 * Markdown table (and printed). Each scenario is the benchmark {@code bench/run <name>} runs on
 * its own, with fewer trials and shorter windows so the whole run stays under 15 minutes (the
 * settings are written above the table). A scenario that fails gets a row saying so and the run
 * goes on. Run: {@code bench/run all [--trials N --seconds S --windows N --peers N --settle S
 * --pex-nodes N --pex-outbound M --pex-limit S --rounds R --out FILE]}.
 */
public final class AllBenchmarks {
    private static final String GO_MISSING = "Go rows skipped";

    private final Settings settings;
    private final ScenarioTable table = new ScenarioTable();
    private final List<String> timings = new ArrayList<>();
    private final Path goPeer;
    private final Path work;
    /** S1a's p2p4j figure, S4's reference: fairness should cost little of a saturated connection's throughput. */
    private double s1aMegabytesPerSecond = Double.NaN;

    /** How much of each scenario this run does. */
    record Settings(int trials, double seconds, int peers, int settleSeconds, int pexNodes, int pexOutbound,
            long pexLimitSeconds, int fairnessWindows, int echoRounds, double handshakeWarmup) {
        static Settings parse(String[] args) {
            return new Settings(MConnectionBenchmark.intArg(args, "--trials", 5),
                    Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "1")),
                    MConnectionBenchmark.intArg(args, "--peers", 1000), MConnectionBenchmark.intArg(args, "--settle", 5),
                    MConnectionBenchmark.intArg(args, "--pex-nodes", 64), MConnectionBenchmark.intArg(args, "--pex-outbound", 10),
                    MConnectionBenchmark.intArg(args, "--pex-limit", 60), MConnectionBenchmark.intArg(args, "--windows", 5),
                    MConnectionBenchmark.intArg(args, "--rounds", 20),
                    Double.parseDouble(MConnectionBenchmark.stringArg(args, "--handshake-warmup", "15")));
        }

        String describe() {
            return String.format("%d trials of %.1f s after a warm-up of half that (S1a, S1b, S2, S5; S3 twice as"
                    + " long; one-way between two nodes, p2p4j's and Go's: %d runs of %s, p2p4j's after one more), S4"
                    + " over %d windows of 1 s, S6 with %d peers read %d s after the last joined, S7 one trial of %d"
                    + " nodes aiming for %d outbound peers with ensure-peers every 1 s, given %d s, echo one trial with"
                    + " %d round trips; S5 again after %.0f s of warm-up", trials, seconds, trials, mixText(),
                    fairnessWindows, peers, settleSeconds, pexNodes, pexOutbound, pexLimitSeconds, echoRounds,
                    handshakeWarmup);
        }

        private static String mixText() {
            StringBuilder out = new StringBuilder();
            for (int[] run : OneWayBenchmark.MIX) {
                out.append(out.isEmpty() ? "" : " and ").append(String.format("%,d × %,d B", run[1], run[0]));
            }
            return out.toString();
        }
    }

    private AllBenchmarks(Settings settings, Path goPeer, Path work) {
        this.settings = settings;
        this.goPeer = goPeer;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Settings settings = Settings.parse(args);
        Path out = Path.of(MConnectionBenchmark.stringArg(args, "--out", "bench/target/bench-all.md"));
        Instant start = Instant.now();
        AllBenchmarks run = new AllBenchmarks(settings, InteropBenchmark.buildGoPeerOrSay(GO_MISSING),
                Files.createTempDirectory("p2p4j-all-bench"));
        run.all();
        String report = run.report(start, Duration.between(start, Instant.now()));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println();
        System.out.println(report);
        System.out.println("(written to " + out + ")");
    }

    private void all() {
        section("S1a/S1b/S2", this::throughput);
        section("S3", this::priorityLatency);
        section("S4", this::fairness);
        section("S5", this::handshakes);
        section("S6", this::idlePeers);
        section("S7", this::pexConvergence);
        section("echo", this::echo);
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs one scenario's benchmarks, noting how long they took; a failure becomes a row saying so. */
    private void section(String name, Scenario scenario) {
        System.out.printf("%n=== %s%n", name);
        long t0 = System.nanoTime();
        try {
            scenario.run();
        } catch (Exception | AssertionError e) {
            e.printStackTrace(System.out);
            table.add(ScenarioRow.failed(name, "", "", e));
        }
        timings.add(String.format("%s %.0f s", name, (System.nanoTime() - t0) / 1e9));
    }

    private double median(double[] values) {
        return MConnectionBenchmark.median(values);
    }

    private void throughput() throws Exception {
        int trials = settings.trials();
        double seconds = settings.seconds();
        double[][] bulk;
        double[][] plainBulk;
        double[][] small128;
        double[][] small16;
        double[][] small1;
        try (LoopbackLoops loops = LoopbackLoops.start()) {
            bulk = SecretConnectionBenchmark.trials(loops, true, 64 * 1024, 16, trials, seconds);
            plainBulk = SecretConnectionBenchmark.trials(loops, false, 64 * 1024, 16, trials, seconds);
            small128 = SecretConnectionBenchmark.trials(loops, true, 1024, 128, trials, seconds);
            small16 = SecretConnectionBenchmark.trials(loops, true, 1024, 16, trials, seconds);
            small1 = SecretConnectionBenchmark.trials(loops, true, 1024, 1, trials, seconds);
        }
        // after the MConnection runs, whose frames have had the cipher compiled: both use the same FrameCipher
        double[][] sealedPipe = BarePipeBenchmark.trials(true, trials, seconds);
        double[][] plainPipe = BarePipeBenchmark.trials(false, trials, seconds);
        double[][] switches = OneWayBenchmark.trials(OneWayBenchmark::javaTrial, true, trials);
        double[][] go = goPeer == null ? null : OneWayBenchmark.trials(() -> OneWayBenchmark.goTrial(goPeer, work), false, trials);
        double bulkMbs = median(bulk[0]);
        s1aMegabytesPerSecond = bulkMbs;
        table.add(new ScenarioRow("S1a encrypted bulk, 64 KiB messages, one MConnection, one way", "MB/s", bulkMbs, median(sealedPipe[0]),
                go == null ? Double.NaN : median(go[0]), "≥ 0.75× ceiling, ≥ 3× Go"));
        table.add(new ScenarioRow("S1a the same between two switches, counted at the sink as Go's", "MB/s",
                median(switches[0]), median(sealedPipe[0]), go == null ? Double.NaN : median(go[0]),
                "≥ 0.75× ceiling, ≥ 3× Go"));
        table.add(new ScenarioRow("S1b plaintext bulk, 64 KiB messages, one MConnection, one way", "MB/s", median(plainBulk[0]),
                median(plainPipe[0]), Double.NaN, "≥ 0.3× ceiling"));
        double goSmall = go == null ? Double.NaN : median(go[3]);
        table.add(new ScenarioRow("S2 encrypted 1 KiB messages, one MConnection, send queue 128 (the default), one way",
                "msg/s", median(small128[1]), median(sealedPipe[1]), goSmall, "≥ 400 k msg/s, ≥ 2× Go"));
        table.add(new ScenarioRow("S2 the same, send queue 16", "msg/s", median(small16[1]),
                median(sealedPipe[1]), goSmall, "≥ 400 k msg/s, ≥ 2× Go"));
        table.add(new ScenarioRow("S2 the same, send queue 1 (CometBFT's default)", "msg/s", median(small1[1]),
                median(sealedPipe[1]), goSmall, "–"));
        table.add(new ScenarioRow("S2 between two switches, send queue 100 (go-peer's), counted at the sink as Go's",
                "msg/s", median(switches[3]), median(sealedPipe[1]), goSmall, "≥ 400 k msg/s, ≥ 2× Go"));
    }

    private void priorityLatency() throws Exception {
        try (LoopbackLoops loops = LoopbackLoops.start()) {
            String[][] rows = {{"IDLE", "S3 256 B on priority 10 every 10 ms, idle, p99", "≤ 0.2 ms"},
                    {"SATURATED_128K", "S3 the same under a saturating priority-1 channel, socket buffers 128 KiB, p99",
                            "≤ 2 ms (stretch ≤ 1 ms)"},
                    {"SATURATED", "S3 the same, the kernel's socket buffers (default), p99", "needs a cap, as above"}};
            for (String[] row : rows) {
                PriorityLatencyBenchmark.Mode mode = PriorityLatencyBenchmark.Mode.valueOf(row[0]);
                double[] r = PriorityLatencyBenchmark.medians(loops, mode, settings.trials(), 2 * settings.seconds());
                table.add(new ScenarioRow(row[1], "ms", r[1], Double.NaN, Double.NaN, row[2]));
            }
        }
    }

    private void fairness() throws Exception {
        FairnessBenchmark.Shares shares = FairnessBenchmark.measure(settings.fairnessWindows());
        table.add(new ScenarioRow("S4 priorities 1:5:10 saturating, largest deviation from a channel's ideal share in"
                + " any 1 s window", "% of that share", shares.worstDeviationPercentOfIdeal(), Double.NaN, Double.NaN,
                "≤ 5 %"));
        table.add(new ScenarioRow("S4 the same, total throughput (ceiling: S1a's p2p4j figure)", "MB/s",
                shares.medianTotalMbs(), s1aMegabytesPerSecond, Double.NaN, "≥ 0.9× S1a"));
    }

    private void handshakes() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        double crypto = median(HandshakeCryptoBenchmark.trials(settings.trials(), settings.seconds())) * cores;
        HandshakeBenchmark.Rates java = HandshakeBenchmark.javaToJava(settings.trials(), settings.seconds());
        // a JVM that has just started still compiles the handshake's curve arithmetic for tens of
        // seconds (Go has no such phase): the rate is shown both ways
        HandshakeBenchmark.Rates warm = HandshakeBenchmark.javaToJava(settings.trials(), settings.seconds(),
                settings.handshakeWarmup());
        HandshakeBenchmark.Rates go = goPeer == null ? null
                : HandshakeBenchmark.goToGo(goPeer, work, settings.trials(), settings.seconds());
        double goRate = go == null ? Double.NaN : median(go.perSecond());
        table.add(new ScenarioRow("S5 full handshakes, 8 dialers, listener a full node (ceiling: both sides' crypto"
                + " on one core, × " + cores + " cores), a fresh JVM (warm-up of half a trial)", "/s",
                median(java.perSecond()), crypto, goRate, "≥ 0.6× ceiling, ≥ 1× Go"));
        table.add(new ScenarioRow(String.format("S5 the same after %.0f s of handshakes (the JIT done)",
                settings.handshakeWarmup()), "/s", median(warm.perSecond()), crypto, goRate, "≥ 0.6× ceiling, ≥ 1× Go"));
        table.add(new ScenarioRow("S5 the same, the dialer's time per handshake, p99, after the warm-up", "ms",
                median(warm.p99Millis()), Double.NaN, go == null ? Double.NaN : median(go.p99Millis()), "–"));
    }

    private void idlePeers() throws Exception {
        IdlePeersBenchmark.Row java = IdlePeersBenchmark.javaHub(settings.peers(), settings.settleSeconds());
        IdlePeersBenchmark.Row go = goPeer == null ? null
                : IdlePeersBenchmark.goHub(goPeer, work, settings.peers(), settings.settleSeconds());
        table.add(new ScenarioRow(String.format("S6 live heap per idle peer, %,d peers, full-node channels",
                settings.peers()), "KiB", java.heapPerPeerKiB(), Double.NaN,
                go == null ? Double.NaN : go.heapPerPeerKiB(), "≤ 64 KiB (stretch ≤ 16), ≤ 0.125× Go"));
    }

    private void pexConvergence() throws Exception {
        Duration ensure = Duration.ofSeconds(1);
        PexConvergenceBenchmark.Trial java = PexConvergenceBenchmark.javaTrial(work, settings.pexNodes(),
                settings.pexOutbound(), ensure, settings.pexLimitSeconds());
        PexConvergenceBenchmark.Trial go = goPeer == null ? null : PexConvergenceBenchmark.goTrial(goPeer, work,
                settings.pexNodes(), settings.pexOutbound(), ensure, settings.pexLimitSeconds());
        String nodes = String.format("S7 PEX, %d nodes and a seed, ensure-peers every 1 s", settings.pexNodes());
        table.add(new ScenarioRow(nodes + ": all have " + settings.pexOutbound() + " outbound peers", "s",
                java.outboundSeconds(), Double.NaN, go == null ? Double.NaN : go.outboundSeconds(), "≤ 10 s, ≤ 1× Go"));
        table.add(new ScenarioRow(nodes + ": all also have an inbound peer (– if not within "
                + settings.pexLimitSeconds() + " s)", "s", java.seconds(), Double.NaN,
                go == null ? Double.NaN : go.seconds(), "–"));
    }

    private void echo() throws Exception {
        InteropBenchmark.Result java = InteropBenchmark.javaTo(null, work, settings.echoRounds());
        InteropBenchmark.Result go = goPeer == null ? null : InteropBenchmark.goToGo(goPeer, work, settings.echoRounds());
        String mix = String.format("%,d × 64 KiB, then %,d × 1 KiB", InteropBenchmark.MIX[0][1], InteropBenchmark.MIX[1][1]);
        table.add(new ScenarioRow("echo through a peer (bench/run interop: " + mix + "), 64 KiB", "MB/s", java.mbs64k(),
                Double.NaN, go == null ? Double.NaN : go.mbs64k(), "–"));
        table.add(new ScenarioRow("echo, 1 KiB", "msg/s", java.msgs1k(), Double.NaN,
                go == null ? Double.NaN : go.msgs1k(), "–"));
        table.add(new ScenarioRow("echo, round trip of 256 B, p50", "ms", java.p50Micros() / 1000, Double.NaN,
                go == null ? Double.NaN : go.p50Micros() / 1000, "–"));
    }

    private String report(Instant start, Duration took) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("`bench/run all`, %s: JDK %s, %d cores, %s %s; took %d min %d s (%s).%n%n",
                start.truncatedTo(ChronoUnit.SECONDS), Runtime.version(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), took.toMinutes(), took.toSecondsPart(),
                String.join(", ", timings)));
        out.append("Settings: ").append(settings.describe()).append(". Medians over the trials.");
        if (goPeer == null) {
            out.append(" Go was not found: no Go figures.");
        }
        out.append("\n\n").append(table.markdown()).append('\n');
        out.append("""
                Ratios are p2p4j's figure over the other; where lower is better (ms, KiB, s) a ratio below 1 \
                is the good side. Ceilings: S1a and S2, a bare pipe with no MConnection that seals 1,028-byte \
                frames with p2p4j's FrameCipher, writes 63 to a write on a loopback socket and opens them on the \
                other side (a 1 KiB message is one frame); S1b, the same pipe writing 64 KiB of plaintext; S5, \
                both sides' handshake crypto (X25519 key pair and agreement, Merlin transcript, HKDF, Ed25519 \
                sign and verify) back to back on one thread, times the cores. Go: CometBFT v0.38.25 on both \
                ends (interop/go-peer); one-way rates are measured at the receiver from the first message to \
                the last, with Go's default 100 ms flush throttle. p2p4j's first S1a, S1b and S2 rows are one \
                MConnection (bench/run secret) counted over a timed window; its "between two switches" rows \
                are measured as Go's (bench/run oneway).
                """);
        return out.toString();
    }
}
