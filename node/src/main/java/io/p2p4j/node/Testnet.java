package io.p2p4j.node;

import io.p2p4j.identity.NodeKey;
import io.p2p4j.node.TestnetManifest.Perturbation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a {@link TestnetManifest}: a network namespace per node and one hub namespace, joined by a
 * veth pair per node and no route anywhere else (addresses in 10.213.0.0/16, which exist only
 * inside the run's namespaces); a {@link TestnetRelay} in the hub shapes every link; every node
 * a process of its own; then the perturbations, a gossip message from a rotating node every
 * {@code publish_every_ms}, and the {@link TestnetReport}. Everything the run made (processes,
 * namespaces and with them the veths) is removed at the end, by a shutdown hook if the run is
 * interrupted, and by the next run if this one was killed: namespace names carry the runner's pid.
 */
final class Testnet implements AutoCloseable {
    static final String PREFIX = "p4tn";
    private static final int PORT = 26656;
    private static final Pattern OURS = Pattern.compile(PREFIX + "(\\d+)[hn]\\d*");

    /** What a run saw; {@link TestnetReport} makes the figures. Times in wall-clock microseconds. */
    static final class Record {
        final TestnetManifest manifest;
        final List<String> ids = new ArrayList<>();
        /** when the nodes were launched; t0, when every one of them had started (printed READY). */
        long launched;
        long t0;
        /** when the network was first healthy, or the settle timeout ran out: the perturbations count from here. */
        long settled;
        long end;
        /** node -> its peer-set changes: micros, outbound, inbound, peer ids (a kill adds an empty one). */
        final Map<Integer, List<PeerState>> peers = new ConcurrentHashMap<>();
        final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<String, Integer> publishedBy = new ConcurrentHashMap<>();
        final List<long[]> perturbationTimes = new ArrayList<>(); // start, end micros, per manifest perturbation
        final Map<Integer, long[]> resources = new ConcurrentHashMap<>(); // node -> rss kB, threads

        Record(TestnetManifest manifest) {
            this.manifest = manifest;
        }
    }

    record PeerState(long micros, int out, int in, Set<String> ids) { }

    record Seen(int node, int incarnation, String id, long micros) { }

    private final TestnetManifest m;
    private final Path dir;
    private final Path goPeer;
    private final String tag = PREFIX + ProcessHandle.current().pid();
    private final Record record;
    private final Process[] processes;
    private final int[] incarnation;
    private final List<Process> allProcesses = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Set<String> namespaces = new java.util.LinkedHashSet<>();
    private Process relay;
    private PrintWriter relayIn;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook = new Thread(this::cleanup, "testnet-cleanup");
    private final PrintWriter log;

    Testnet(TestnetManifest manifest, Path dir, Path goPeer) throws IOException {
        this.m = manifest;
        this.dir = dir;
        this.goPeer = goPeer;
        this.record = new Record(manifest);
        this.processes = new Process[manifest.nodes()];
        this.incarnation = new int[manifest.nodes()];
        Files.createDirectories(dir);
        this.log = new PrintWriter(Files.newBufferedWriter(dir.resolve("testnet.log")), true);
    }

    /** The names this run gives its namespaces (the hub's and node i's). */
    String hub() {
        return tag + "h";
    }

    String ns(int node) {
        return tag + "n" + node;
    }

    List<Process> processes() {
        return List.copyOf(allProcesses);
    }

    static String relayIp(int node) {
        return "10.213." + (node + 1) + ".1";
    }

    static String nodeIp(int node) {
        return "10.213." + (node + 1) + ".2";
    }

    /** Runs the whole manifest and returns what it saw. */
    Record run() throws Exception {
        Runtime.getRuntime().addShutdownHook(hook);
        say("testnet " + m.name() + ": " + m.nodes() + " nodes (" + m.cometbft().size() + " go-peer), "
                + m.regions().size() + " regions, " + m.perturbations().size() + " perturbations, " + (long) m.durationS() + " s");
        removeLeftovers(this::say);
        makeNetwork();
        startRelay();
        String seeds = prepareHomes();
        record.launched = TestnetNode.micros();
        List<CountDownLatch> started = new ArrayList<>();
        for (int i = 0; i < m.nodes(); i++) {
            started.add(startNode(i, seeds));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        for (CountDownLatch latch : started) {
            if (!latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IOException("not every node started within 180 s; see the node logs in " + dir);
            }
        }
        record.t0 = TestnetNode.micros();
        say(String.format("started %d nodes in %.1f s", m.nodes(), (record.t0 - record.launched) / 1e6));
        runTimeline(seeds);
        for (int i = 0; i < m.nodes(); i++) {
            if (processes[i] != null && processes[i].isAlive()) {
                record.resources.put(i, procStatus(processes[i].pid()));
            }
        }
        record.end = TestnetNode.micros();
        return record;
    }

    private void say(String line) {
        System.out.println(line);
        log.println(line);
    }

    /** Deletes the namespaces (and processes in them) of runs whose runner is gone. */
    static void removeLeftovers(java.util.function.Consumer<String> say) throws IOException, InterruptedException {
        for (String name : netnsList()) {
            Matcher matcher = OURS.matcher(name);
            if (matcher.matches() && ProcessHandle.of(Long.parseLong(matcher.group(1))).map(p -> !p.isAlive()).orElse(true)) {
                say.accept("removing namespace " + name + ", left by a run that was killed");
                killAllIn(name);
                sh(List.of("ip", "netns", "del", name));
            }
        }
    }

    static List<String> netnsList() throws IOException, InterruptedException {
        List<String> names = new ArrayList<>();
        for (String line : sh(List.of("ip", "netns", "list")).split("\n")) {
            if (!line.isBlank()) {
                names.add(line.trim().split("\\s+")[0]);
            }
        }
        return names;
    }

    private static void killAllIn(String name) throws IOException, InterruptedException {
        for (String pid : sh(List.of("ip", "netns", "pids", name)).split("\\s+")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Runs a command to its end (at most 60 s) and returns its output; throws if it fails. */
    static String sh(List<String> command) throws IOException, InterruptedException {
        return sh(command, null);
    }

    static String sh(List<String> command, String input) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (Writer w = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            if (input != null) {
                w.write(input);
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": took over 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return out;
    }

    private void makeNetwork() throws IOException, InterruptedException {
        StringBuilder root = new StringBuilder("netns add " + hub() + "\n");
        namespaces.add(hub());
        for (int i = 0; i < m.nodes(); i++) {
            root.append("netns add ").append(ns(i)).append('\n');
            namespaces.add(ns(i));
        }
        for (int i = 0; i < m.nodes(); i++) {
            root.append("link add eth0 netns ").append(ns(i)).append(" type veth peer name n").append(i)
                    .append(" netns ").append(hub()).append('\n');
        }
        sh(List.of("ip", "-batch", "-"), root.toString());
        StringBuilder h = new StringBuilder("link set lo up\n");
        for (int i = 0; i < m.nodes(); i++) {
            h.append("addr add ").append(relayIp(i)).append("/24 dev n").append(i).append('\n');
            h.append("link set n").append(i).append(" up\n");
        }
        sh(List.of("ip", "-n", hub(), "-batch", "-"), h.toString());
        // the hub must not route between nodes (a namespace may inherit the host's setting):
        // a node reaches another only through that node's relay
        sh(List.of("ip", "netns", "exec", hub(), "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"));
        for (int i = 0; i < m.nodes(); i++) {
            sh(List.of("ip", "-n", ns(i), "-batch", "-"), "link set lo up\naddr add " + nodeIp(i) + "/24 dev eth0\n"
                    + "link set eth0 up\nroute add default via " + relayIp(i) + "\n");
        }
        say("made " + namespaces.size() + " namespaces and " + m.nodes() + " veth pairs (10.213.0.0/16, inside them only)");
    }

    private List<String> java(String mainClass, String heap) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        return new ArrayList<>(List.of(javaBin, "-Xmx" + heap, "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:CICompilerCount=1", "-cp", System.getProperty("java.class.path"), mainClass));
    }

    private void startRelay() throws Exception {
        StringBuilder conf = new StringBuilder();
        for (int a = 0; a < m.regions().size(); a++) {
            for (int b = 0; b < m.regions().size(); b++) {
                conf.append("latency ").append(a).append(' ').append(b).append(' ')
                        .append(m.latencyMs().getOrDefault(m.regions().get(a) + "-" + m.regions().get(b), 0.0)).append('\n');
            }
        }
        conf.append("jitter ").append(m.jitterMs()).append("\nloss ").append(m.loss()).append('\n');
        for (int i = 0; i < m.nodes(); i++) {
            conf.append("node ").append(i).append(' ').append(relayIp(i)).append(' ').append(nodeIp(i)).append(' ')
                    .append(PORT).append(' ').append(m.region(i)).append('\n');
        }
        Path file = dir.resolve("relay.conf");
        Files.writeString(file, conf);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", hub()));
        command.addAll(java(TestnetRelay.class.getName(), "256m"));
        command.add(file.toString());
        relay = new ProcessBuilder(command).redirectError(dir.resolve("relay.err").toFile()).start();
        allProcesses.add(relay);
        relayIn = new PrintWriter(new java.io.OutputStreamWriter(relay.getOutputStream(), StandardCharsets.UTF_8), true);
        CountDownLatch ready = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = relay.inputReader()) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    log.println("relay: " + line);
                    if (line.startsWith("RELAY READY")) {
                        ready.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the relay ended
            }
        });
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IOException("the relay did not start within 60 s; see " + dir.resolve("relay.err"));
        }
    }

    private void relayCommand(String command) {
        log.println("relay <- " + command);
        relayIn.println(command);
    }

    /** Node keys made beforehand, so that the seed list is known; returns it. */
    private String prepareHomes() throws Exception {
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < m.nodes(); i++) {
            Path home = dir.resolve("n" + i);
            Files.createDirectories(home.resolve("config"));
            Files.createDirectories(home.resolve("data"));
            NodeKey key = NodeKey.loadOrGenerate(m.kind(i).equals("cometbft") ? home.resolve("node_key.json")
                    : home.resolve("config/node_key.json"));
            record.ids.add(key.id().hex());
            if (m.isSeed(i)) {
                seeds.add(key.id().hex() + "@" + relayIp(i) + ":" + PORT);
            }
        }
        String seedList = String.join(",", seeds);
        for (int i = 0; i < m.nodes(); i++) {
            Files.writeString(dir.resolve("n" + i).resolve("config/config.toml"), """
                    moniker = "n%d"
                    [p2p]
                    laddr = "tcp://%s:%d"
                    external_address = "%s:%d"
                    seeds = "%s"
                    seed_mode = %b
                    max_num_outbound_peers = %d
                    allow_duplicate_ip = true
                    addr_book_strict = false
                    [p2p4j]
                    chain_id = "p2p4j-testnet"
                    status_laddr = ""
                    """.formatted(i, nodeIp(i), PORT, relayIp(i), PORT, m.isSeed(i) ? "" : seedList, m.isSeed(i),
                    m.outboundPeers()));
        }
        return seedList;
    }

    /** Launches node i; the latch opens when it has started (printed its READY line). */
    private CountDownLatch startNode(int i, String seeds) throws IOException {
        Path home = dir.resolve("n" + i).toAbsolutePath();
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns(i)));
        if (m.kind(i).equals("cometbft")) {
            command.addAll(List.of(goPeer.toString(), "-home", home.toString(), "-laddr", "tcp://" + nodeIp(i) + ":" + PORT,
                    "-network", "p2p4j-testnet", "-moniker", "n" + i, "-seeds", m.isSeed(i) ? "" : seeds,
                    "-seed-mode=" + m.isSeed(i), "-max-outbound", String.valueOf(m.outboundPeers()),
                    "-ensure-peers-period", m.ensurePeersMs() + "ms", "-testnet-gossip",
                    "-external-address", relayIp(i) + ":" + PORT));
        } else {
            command.addAll(java(TestnetNode.class.getName(), "96m"));
            command.addAll(List.of(home.toString(), String.valueOf(m.ensurePeersMs())));
        }
        int life = ++incarnation[i];
        Path out = dir.resolve("n" + i + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes[i] = p;
        allProcesses.add(p);
        record.peers.computeIfAbsent(i, k -> java.util.Collections.synchronizedList(new ArrayList<>()));
        CountDownLatch ready = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = p.inputReader();
                    Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    w.write(line);
                    w.write('\n');
                    if (line.startsWith("TN READY") || line.startsWith("READY ")) {
                        ready.countDown();
                    } else if (line.startsWith("TN ")) {
                        parse(i, life, line);
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // the process ended
            }
        });
        return ready;
    }

    private void parse(int node, int life, String line) {
        String[] w = line.split(" ");
        if (w[1].equals("PEERS")) {
            Set<String> ids = w.length > 5 && !w[5].isEmpty() ? new HashSet<>(List.of(w[5].split(","))) : Set.of();
            record.peers.get(node).add(new PeerState(Long.parseLong(w[2]), Integer.parseInt(w[3]), Integer.parseInt(w[4]), ids));
        } else if (w[1].equals("SEEN")) {
            long micros = Long.parseLong(w[3]);
            if (w[4].equals("self")) {
                record.publishedBy.put(w[2], node);
            }
            record.seen.add(new Seen(node, life, w[2], micros));
        }
    }

    private record Action(long atMicros, int order, Runnable what) { }

    private void runTimeline(String seeds) {
        List<Action> actions = new ArrayList<>();
        long t0 = settle();
        List<Perturbation> ps = m.perturbations();
        boolean[][] busy = new boolean[1][m.nodes()];
        for (int k = 0; k < ps.size(); k++) {
            Perturbation p = ps.get(k);
            long[] times = new long[2];
            record.perturbationTimes.add(times);
            long start = t0 + (long) (p.atS() * 1e6);
            long stop = start + (long) (p.forS() * 1e6);
            actions.add(new Action(start, 0, () -> {
                times[0] = TestnetNode.micros();
                say(String.format("%6.1f s  %s", (times[0] - t0) / 1e6, p.describe()));
                perturb(p, true, seeds, busy[0]);
            }));
            actions.add(new Action(stop, 0, () -> {
                CountDownLatch back = perturb(p, false, seeds, busy[0]);
                times[1] = TestnetNode.micros();
                say(String.format("%6.1f s  end of %s", (times[1] - t0) / 1e6, p.describe()));
                if (back != null) { // a restarted node: its reconnect time counts from its start, not its launch
                    Thread.ofVirtual().start(() -> {
                        try {
                            if (back.await(60, TimeUnit.SECONDS)) {
                                times[1] = TestnetNode.micros();
                                say(String.format("%6.1f s  node %d started again", (times[1] - t0) / 1e6, p.node()));
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
            }));
        }
        long lastPublish = t0 + (long) ((m.durationS() - 4) * 1e6);
        int seq = 0;
        int next = m.seeds();
        for (long at = t0; at < lastPublish; at += m.publishEveryMs() * 1000) {
            String id = "m" + seq++;
            int from = next;
            next = next + 1 >= m.nodes() ? m.seeds() : next + 1;
            actions.add(new Action(at, 1, () -> publish(id, from, busy[0])));
        }
        actions.sort(Comparator.comparingLong(Action::atMicros).thenComparingInt(Action::order));
        for (Action a : actions) {
            waitUntil(a.atMicros());
            a.what().run();
        }
        waitUntil(t0 + (long) (m.durationS() * 1e6));
    }

    /**
     * Waits until the network is first healthy (every node with its outbound peers, connected),
     * at most settle_timeout_s; the perturbations' times count from then. Returns that moment.
     */
    private long settle() {
        long limit = record.t0 + (long) (m.settleTimeoutS() * 1e6);
        long now = TestnetNode.micros();
        while (now < limit && !TestnetReport.healthyAt(record, now)) {
            LockSupport.parkNanos(200_000_000L);
            now = TestnetNode.micros();
        }
        record.settled = now;
        say(String.format("%.1f s after they started: %s; the manifest's clock starts", (now - record.t0) / 1e6,
                now < limit ? "every node has its outbound peers, the network is connected" : "not settled within settle_timeout_s"));
        return now;
    }

    private static void waitUntil(long micros) {
        for (long left = micros - TestnetNode.micros(); left > 0; left = micros - TestnetNode.micros()) {
            LockSupport.parkNanos(left * 1000);
        }
    }

    /** From the chosen node, or the next one that is running and not perturbed. */
    private void publish(String id, int from, boolean[] busy) {
        for (int k = 0; k < m.nodes(); k++) {
            int i = m.seeds() + (from - m.seeds() + k) % (m.nodes() - m.seeds());
            Process p = processes[i];
            if (!busy[i] && p != null && p.isAlive()) {
                PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8), false);
                w.println("publish " + id);
                w.flush();
                return;
            }
        }
    }

    /** Starts or ends a perturbation; returns the started latch of a restarted node, else null. */
    private CountDownLatch perturb(Perturbation p, boolean start, String seeds, boolean[] busy) {
        try {
            switch (p.op()) {
                case "kill" -> {
                    busy[p.node()] = start;
                    if (start) {
                        processes[p.node()].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                        record.peers.get(p.node()).add(new PeerState(TestnetNode.micros(), -1, 0, Set.of())); // -1: not running
                    } else {
                        return startNode(p.node(), seeds);
                    }
                }
                case "pause" -> {
                    busy[p.node()] = start;
                    sh(List.of("kill", start ? "-STOP" : "-CONT", String.valueOf(processes[p.node()].pid())));
                }
                case "disconnect" -> {
                    busy[p.node()] = start;
                    if (start) {
                        relayCommand("cut " + p.node());
                        sh(List.of("ip", "-n", hub(), "link", "set", "n" + p.node(), "down"));
                    } else {
                        sh(List.of("ip", "-n", hub(), "link", "set", "n" + p.node(), "up"));
                        relayCommand("restore " + p.node());
                    }
                }
                case "partition" -> {
                    if (start) {
                        List<String> group = new ArrayList<>();
                        for (int i = 0; i < m.nodes(); i++) {
                            if (p.regions().contains(m.regions().get(m.region(i)))) {
                                group.add(String.valueOf(i));
                            }
                        }
                        relayCommand("partition " + String.join(",", group));
                    } else {
                        relayCommand("heal");
                    }
                }
                default -> throw new IllegalStateException(p.op());
            }
        } catch (IOException | InterruptedException e) {
            say("perturbation " + p.describe() + " failed: " + e.getMessage());
        }
        return null;
    }

    /** VmRSS (kB) and Threads from /proc. */
    static long[] procStatus(long pid) {
        long[] out = {-1, -1};
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    out[0] = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("Threads:")) {
                    out[1] = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException ignored) {
            // gone
        }
        return out;
    }

    @Override
    public void close() {
        cleanup();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs the cleanup
        }
    }

    /** Kills every process of the run, then deletes its namespaces. */
    private void cleanup() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Process p : processes()) {
            p.destroyForcibly(); // SIGKILL, which ends a stopped process too
        }
        for (Process p : processes()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String name : namespaces) {
            try {
                killAllIn(name);
                sh(List.of("ip", "netns", "del", name));
            } catch (IOException | InterruptedException e) {
                System.err.println("testnet: could not delete namespace " + name + ": " + e.getMessage());
            }
        }
        log.println("cleaned up: " + processes().size() + " processes, " + namespaces.size() + " namespaces");
        log.flush();
    }

    static Duration seconds(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }
}
