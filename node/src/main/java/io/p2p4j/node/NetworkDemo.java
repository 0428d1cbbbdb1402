package io.p2p4j.node;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.SwitchListener;
import io.p2p4j.pex.AddrBook;
import io.p2p4j.pex.PexConfig;
import io.p2p4j.pex.PexReactor;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.net.FaultInjection;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N nodes on loopback in one process: node 0 is a seed, every other node knows only the seed,
 * finds its peers through PEX, and publishes gossip that floods the network. A progress line
 * shows peers per node, messages delivered and bytes per second; a table sums it up.
 */
final class NetworkDemo {
    private record DemoNode(Switch sw, PexReactor pex, GossipReactor gossip) {}

    private final PrintStream out;
    private final int count;
    private final int seconds;
    private final String statusAddress;
    private final int timeoutSeconds;
    /** Whether the progress line may be rewritten in place with \r; a log file or a pipe gets whole lines. */
    private final boolean terminal;

    /** @param terminal whether {@code out} is a terminal (see {@link #stdoutIsTerminal()}) */
    NetworkDemo(PrintStream out, int count, int seconds, String statusAddress, int timeoutSeconds, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
        this.count = count;
        this.seconds = seconds;
        this.statusAddress = statusAddress;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Whether standard input and output are a terminal. Since JDK 22 {@code System.console()}
     * also answers when they are redirected, and {@code Console.isTerminal()} (not in 21) tells.
     */
    static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException jdk21) {
            return true; // JDK 21 returns a console only for a terminal
        }
    }

    /** The faults of {@code demo --test-fuzz}: frequent enough to drop peers within seconds. */
    static final FaultInjection DEMO_FAULTS = FaultInjection.drops(0.001, 0.0005, 0.02, Duration.ofMillis(50),
            Duration.ofSeconds(1));

    private FaultInjection faults = FaultInjection.off();

    /** This demo with faults injected into every connection. */
    NetworkDemo withFaults(FaultInjection injected) {
        this.faults = injected;
        return this;
    }

    int run() throws Exception {
        Path dir = Files.createTempDirectory("p2p4j-demo");
        List<DemoNode> nodes = new ArrayList<>();
        StatusServer status = null;
        // outbound links are one-way: n nodes can only all reach k outbound peers with k well below n / 2
        int target = Math.max(1, Math.min(3, (count - 1) / 3));
        PexConfig pexBase = PexConfig.defaults().withEnsurePeersPeriod(Duration.ofMillis(500)).withMaxOutboundPeers(target)
                .withCrawl(Duration.ofMillis(500), Duration.ofSeconds(5)).withDialBackoffBase(Duration.ofMillis(50));
        P2pConfig p2p = ConnectedSwitches.testConfig().withFaultInjection(faults);
        Semaphore peerEvents = new Semaphore(0);
        AtomicInteger dropped = new AtomicInteger();
        SwitchListener wake = new SwitchListener() {
            @Override
            public void peerAdded(Peer peer) {
                peerEvents.release();
            }

            @Override
            public void peerRemoved(Peer peer, Throwable reason) {
                dropped.incrementAndGet();
                peerEvents.release();
            }
        };
        try {
            for (int i = 0; i < count; i++) {
                PexConfig pexConfig = i == 0 ? pexBase.withSeedMode(true)
                        : pexBase.withSeeds(List.of(nodes.get(0).sw().listenAddress()));
                AddrBook book = AddrBook.open(dir.resolve("node" + i + "-addrbook.json"), AddrBook.Routability.ANY);
                PexReactor pex = new PexReactor(book, pexConfig);
                GossipReactor gossip = new GossipReactor();
                Switch sw = Switch.builder(NodeKey.generate(), p2p).network("p2p4j-demo")
                        .moniker(i == 0 ? "seed" : "node" + i).reactor("pex", pex).reactor("gossip", gossip)
                        .listener(wake).build();
                sw.start();
                nodes.add(new DemoNode(sw, pex, gossip));
            }
            out.printf("p2p4j demo: %d nodes on 127.0.0.1 (node 0 is the seed), each wants %d outbound peers%n", count, target);
            if (!statusAddress.isBlank()) {
                try {
                    // the page's peer table is the first switch's: node 1 keeps its peers, while the
                    // seed drops each one once it has served it addresses
                    List<Switch> shown = new ArrayList<>(nodes.stream().map(DemoNode::sw).toList());
                    java.util.Collections.rotate(shown, -1);
                    status = StatusServer.start(Node.parseHostPort(statusAddress), shown, null);
                    out.printf("status page with the network drawing: http://%s/%n", statusAddress);
                } catch (Exception e) {
                    out.printf("(no status page: %s is not available: %s)%n", statusAddress, e.getMessage());
                }
            }
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            long tick = TimeUnit.MILLISECONDS.toNanos(250);
            long nextTick = start + tick;
            long formedAt = -1;
            long lastBytes = 0;
            long lastTick = start;
            int sequence = 0;
            while (System.nanoTime() < deadline) {
                // until the next progress tick, or sooner when a node gains or loses a peer, so that
                // the network is seen formed when it forms
                if (peerEvents.tryAcquire(Math.max(0, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    peerEvents.drainPermits();
                }
                long now = System.nanoTime();
                if (now >= nextTick) {
                    for (DemoNode node : nodes.subList(1, nodes.size())) {
                        node.gossip().publish(("gossip " + sequence++ + " from " + node.sw().nodeInfo().moniker() + " ")
                                .repeat(20).getBytes(StandardCharsets.UTF_8));
                    }
                    long bytes = nodes.stream().mapToLong(n -> n.gossip().bytesDelivered.get()).sum();
                    double rate = (bytes - lastBytes) / ((now - lastTick) / 1e9);
                    lastBytes = bytes;
                    lastTick = now;
                    nextTick = now + tick;
                    long delivered = nodes.stream().mapToLong(n -> n.gossip().delivered.get()).sum();
                    String peers = nodes.stream().map(n -> String.valueOf(n.sw().peers().size()))
                            .reduce((a, b) -> a + " " + b).orElse("");
                    out.printf((terminal ? "\r" : "") + "  %5.1f s  peers per node [%s]  gossip delivered %d  %.1f kB/s   "
                            + (terminal ? "" : "%n"), (now - start) / 1e9, peers, delivered, rate / 1e3);
                    out.flush();
                }
                // links to the seed do not count (finding the others through it is the point), and
                // the network must stay formed, not just touch the target once
                boolean formed = nodesShortOfPeers(nodes, target).isEmpty();
                if (!formed) {
                    formedAt = -1;
                } else if (formedAt < 0) {
                    formedAt = now;
                }
                if (formedAt >= 0 && now - formedAt >= TimeUnit.SECONDS.toNanos(seconds)) {
                    break;
                }
            }
            out.println();
            out.println();
            out.printf("%-8s %-14s %9s %8s %6s %10s %12s%n", "node", "id", "outbound", "inbound", "book", "delivered", "bytes in");
            for (DemoNode node : nodes) {
                out.printf("%-8s %-14s %9d %8d %6d %10d %12d%n", node.sw().nodeInfo().moniker(),
                        node.sw().id().hex().substring(0, 12) + "…", node.sw().numPeers().outbound(),
                        node.sw().numPeers().inbound(), node.pex().book().size(), node.gossip().delivered.get(),
                        node.gossip().bytesDelivered.get());
            }
            // with faults injected peers keep dropping and being found again: the network formed once
            List<String> lacking = faults.enabled() ? List.of() : nodesShortOfPeers(nodes, target);
            if (faults.enabled()) {
                out.printf("%nfaults injected (%s): %d peer connections dropped and replaced%n", faults, dropped.get());
            }
            if (formedAt < 0 || !lacking.isEmpty()) {
                out.printf("%nnot every node found its peers within %d s: %s have fewer than %d peers besides the seed%n",
                        timeoutSeconds, String.join(", ", lacking), target);
                return 1;
            }
            out.printf("%nevery node found its peers through the seed and PEX in %.1f s%n", (formedAt - start) / 1e9);
            return 0;
        } finally {
            if (status != null) {
                status.close();
            }
            nodes.forEach(n -> n.sw().close());
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The nodes (not the seed) with fewer than {@code target} peers other than the seed, in either
     * direction: a node that every other one has dialed has nobody left to dial, and that is fine.
     */
    private static List<String> nodesShortOfPeers(List<DemoNode> nodes, int target) {
        NodeId seed = nodes.get(0).sw().id();
        return nodes.subList(1, nodes.size()).stream()
                .filter(n -> n.sw().peers().list().stream().filter(p -> !p.id().equals(seed)).count() < target)
                .map(n -> n.sw().nodeInfo().moniker())
                .toList();
    }
}
