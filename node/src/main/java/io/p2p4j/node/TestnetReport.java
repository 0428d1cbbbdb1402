package io.p2p4j.node;

import io.p2p4j.node.Testnet.PeerState;
import io.p2p4j.node.Testnet.Record;
import io.p2p4j.node.Testnet.Seen;
import io.p2p4j.node.TestnetManifest.Perturbation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * The figures of a testnet run: when every node had its outbound peers, gossip propagation, the
 * reconnection after each perturbation, messages lost or duplicated after the network healed,
 * and each node's memory and threads at the end; as Markdown and as a PNG drawn with java.awt.
 *
 * <p>"Healthy" at a moment: every running non-seed node has its outbound peers (or is connected to
 * every other non-seed node, all it could have) and the non-seed
 * nodes' peer graph is connected. A perturbation's reconnect time runs from its end (restart,
 * SIGCONT, link back, partition healed) to the next healthy moment. Messages "after the heal"
 * are those published once the last perturbation's network was healthy again; each must reach
 * every non-seed node exactly once (a seed in seed mode keeps no peers, so it is not counted).
 */
final class TestnetReport {
    private static final long STEP = 100_000; // micros between samples of the peer states

    final Record r;
    final TestnetManifest m;
    /** sample times (micros from t0), nodes with their outbound peers, healthy. */
    final List<long[]> samples = new ArrayList<>();
    long allOutboundAt = -1;
    final long[] recovery;
    long healedAt;
    final List<Double> deliveryMs = new ArrayList<>();
    final List<Double> toAllMs = new ArrayList<>();
    int messagesAfterHeal;
    int deliveriesAfterHeal;
    int lost;
    int duplicated;
    final Map<String, String> summary = new LinkedHashMap<>();

    TestnetReport(Record r) {
        this.r = r;
        this.m = r.manifest;
        this.recovery = new long[m.perturbations().size()];
        sample();
        gossip();
        summarize();
    }

    /** Node's latest peer state at {@code micros}, or null before its first. */
    private static PeerState stateAt(Record r, int node, long micros) {
        PeerState last = null;
        List<PeerState> states = r.peers.getOrDefault(node, List.of());
        synchronized (states) {
            for (PeerState s : states) {
                if (s.micros() <= micros && (last == null || s.micros() >= last.micros())) {
                    last = s;
                }
            }
        }
        return last;
    }

    private static Map<String, Integer> index(Record r) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < r.ids.size(); i++) {
            index.put(r.ids.get(i), i);
        }
        return index;
    }

    /** Whether the network is healthy at {@code micros} (see the class comment); the runner asks while it runs. */
    static boolean healthyAt(Record r, long micros) {
        return sampleAt(r, micros, index(r))[1] == 1;
    }

    /** {non-seed nodes with their outbound peers, 1 if healthy else 0} at {@code t}. */
    private static long[] sampleAt(Record r, long t, Map<String, Integer> index) {
        TestnetManifest m = r.manifest;
        int withOutbound = 0;
        int[] parent = new int[m.nodes()];
        Arrays.setAll(parent, i -> i);
        PeerState[] states = new PeerState[m.nodes()];
        int running = 0;
        for (int i = m.seeds(); i < m.nodes(); i++) {
            states[i] = stateAt(r, i, t);
            running += states[i] != null && states[i].out() >= 0 ? 1 : 0; // a killed node's state has -1
        }
        for (int i = m.seeds(); i < m.nodes(); i++) {
            PeerState s = states[i];
            if (s != null && s.out() >= 0 && (s.out() >= m.outboundPeers() || nonSeedPeers(m, s, index) >= running - 1)) {
                withOutbound++; // its outbound peers, or every other node it could have
            }
            if (s != null) {
                for (String id : s.ids()) {
                    Integer j = index.get(id);
                    if (j != null && !m.isSeed(j)) {
                        parent[find(parent, i)] = find(parent, j);
                    }
                }
            }
        }
        Set<Integer> roots = new HashSet<>();
        for (int i = m.seeds(); i < m.nodes(); i++) {
            roots.add(find(parent, i));
        }
        boolean healthy = withOutbound == m.nodes() - m.seeds() && roots.size() == 1;
        return new long[] {withOutbound, healthy ? 1 : 0};
    }

    private void sample() {
        Map<String, Integer> index = index(r);
        for (long t = r.t0; t <= r.end; t += STEP) {
            long[] s = sampleAt(r, t, index);
            samples.add(new long[] {t - r.t0, s[0], s[1]});
            if (s[1] == 1 && allOutboundAt < 0) {
                allOutboundAt = t - r.t0;
            }
        }
        healedAt = allOutboundAt < 0 ? Long.MAX_VALUE : allOutboundAt;
        for (int k = 0; k < recovery.length; k++) {
            long end = r.perturbationTimes.get(k)[1] - r.t0;
            recovery[k] = -1;
            for (long[] s : samples) {
                if (s[0] >= end && s[2] == 1) {
                    recovery[k] = s[0] - end;
                    break;
                }
            }
            healedAt = recovery[k] < 0 ? Long.MAX_VALUE : Math.max(healedAt, end + recovery[k]);
        }
    }

    private static int nonSeedPeers(TestnetManifest m, PeerState s, Map<String, Integer> index) {
        int n = 0;
        for (String id : s.ids()) {
            Integer j = index.get(id);
            n += j != null && !m.isSeed(j) ? 1 : 0;
        }
        return n;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private void gossip() {
        Map<String, Long> published = new HashMap<>();
        Map<String, Map<Integer, Long>> firstSeen = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        List<Seen> all;
        synchronized (r.seen) {
            all = new ArrayList<>(r.seen);
        }
        for (Seen s : all) {
            if (r.publishedBy.getOrDefault(s.id(), -1) == s.node()) {
                published.merge(s.id(), s.micros(), Math::min);
            }
            if (counts.merge(s.node() + "/" + s.incarnation() + "/" + s.id(), 1, Integer::sum) > 1) {
                duplicated++;
            }
            firstSeen.computeIfAbsent(s.id(), k -> new HashMap<>()).merge(s.node(), s.micros(), Math::min);
        }
        for (Map.Entry<String, Long> e : published.entrySet()) {
            String id = e.getKey();
            long at = e.getValue();
            int origin = r.publishedBy.get(id);
            boolean afterHeal = healedAt != Long.MAX_VALUE && at - r.t0 >= healedAt;
            if (afterHeal) {
                messagesAfterHeal++;
            }
            long slowest = 0;
            boolean reachedAll = true;
            for (int i = m.seeds(); i < m.nodes(); i++) {
                if (i == origin) {
                    continue;
                }
                Long seen = firstSeen.get(id).get(i);
                if (seen == null || seen < at) {
                    reachedAll = false;
                    if (afterHeal) {
                        lost++;
                    }
                    continue;
                }
                slowest = Math.max(slowest, seen - at);
                if (afterHeal) {
                    deliveriesAfterHeal++;
                    deliveryMs.add((seen - at) / 1000.0);
                }
            }
            if (afterHeal && reachedAll) {
                toAllMs.add(slowest / 1000.0);
            }
        }
        deliveryMs.sort(null);
        toAllMs.sort(null);
    }

    static double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format("%.0f ms", v);
    }

    private static String seconds(long micros) {
        return micros < 0 || micros == Long.MAX_VALUE ? "not within the run" : String.format("%.1f s", micros / 1e6);
    }

    private void summarize() {
        summary.put("nodes (p2p4j + go-peer), seeds", (m.nodes() - m.cometbft().size()) + " + " + m.cometbft().size()
                + ", " + m.seeds());
        summary.put("all nodes started (from launch)", seconds(r.t0 - r.launched));
        summary.put("every node has its " + m.outboundPeers() + " outbound peers (from all started)", seconds(allOutboundAt));
        summary.put("gossip, per delivery after the heal: p50 / p99 / max", ms(percentile(deliveryMs, 50)) + " / "
                + ms(percentile(deliveryMs, 99)) + " / " + ms(percentile(deliveryMs, 100)));
        summary.put("gossip, one node to all: p50 / p99 / max", ms(percentile(toAllMs, 50)) + " / "
                + ms(percentile(toAllMs, 99)) + " / " + ms(percentile(toAllMs, 100)));
        for (int k = 0; k < recovery.length; k++) {
            summary.put("reconnect after " + m.perturbations().get(k).describe(), seconds(recovery[k]));
        }
        summary.put("messages after the heal: published, lost, duplicated", messagesAfterHeal + ", " + lost + ", " + duplicated);
        for (String kind : List.of("p2p4j", "cometbft")) {
            List<Long> rss = new ArrayList<>();
            List<Long> threads = new ArrayList<>();
            r.resources.forEach((node, v) -> {
                if (m.kind(node).equals(kind)) {
                    rss.add(v[0]);
                    threads.add(v[1]);
                }
            });
            if (!rss.isEmpty()) {
                rss.sort(null);
                threads.sort(null);
                summary.put((kind.equals("p2p4j") ? "p2p4j" : "go-peer") + " node at the end: RSS median / max, threads median / max",
                        String.format("%d / %d MiB, %d / %d", rss.get(rss.size() / 2) / 1024, rss.getLast() / 1024,
                                threads.get(threads.size() / 2), threads.getLast()));
            }
        }
    }

    /** The run's Markdown: the summary table, then every node's resources. */
    String markdown() {
        StringBuilder out = new StringBuilder("## testnet " + m.name() + "\n\n");
        out.append(String.format("%d nodes in %d regions (%s), one-way latency %s, jitter ±%.0f ms, loss %.1f %% of segments, %d s%n%n",
                m.nodes(), m.regions().size(), String.join(", ", m.regions()), latencies(), m.jitterMs(), m.loss() * 100,
                (long) m.durationS()));
        out.append("| | |\n| --- | --- |\n");
        summary.forEach((k, v) -> out.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        out.append("\n| node | kind | region | RSS MiB | threads |\n| --- | --- | --- | --- | --- |\n");
        for (int i = 0; i < m.nodes(); i++) {
            long[] v = r.resources.get(i);
            out.append("| n").append(i).append(m.isSeed(i) ? " (seed)" : "").append(" | ").append(m.kind(i)).append(" | ")
                    .append(m.regions().get(m.region(i))).append(" | ")
                    .append(v == null ? "-" : String.valueOf(v[0] / 1024)).append(" | ")
                    .append(v == null ? "-" : String.valueOf(v[1])).append(" |\n");
        }
        return out.toString();
    }

    private String latencies() {
        List<String> parts = new ArrayList<>();
        for (int a = 0; a < m.regions().size(); a++) {
            for (int b = a; b < m.regions().size(); b++) {
                String key = m.regions().get(a) + "-" + m.regions().get(b);
                parts.add(key + " " + String.format("%.0f ms", m.latencyMs().getOrDefault(key, 0.0)));
            }
        }
        return String.join(", ", parts);
    }

    /** Reports side by side: one row per figure, one column per run. */
    static String sideBySide(List<TestnetReport> reports) {
        StringBuilder out = new StringBuilder("| |");
        for (TestnetReport r : reports) {
            out.append(' ').append(r.m.name()).append(" |");
        }
        out.append("\n| --- |").append(" --- |".repeat(reports.size())).append('\n');
        Set<String> rows = new java.util.LinkedHashSet<>();
        reports.forEach(r -> rows.addAll(r.summary.keySet()));
        for (String row : rows) {
            out.append("| ").append(row).append(" |");
            for (TestnetReport r : reports) {
                out.append(' ').append(r.summary.getOrDefault(row, "-")).append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Two panels: nodes with their outbound peers over time (perturbations shaded), and the delivery-time CDF. */
    void plot(Path png) throws IOException {
        int w = 1200;
        int h = 460;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        double endS = (r.end - r.t0) / 1e6;
        int nonSeeds = m.nodes() - m.seeds();
        Panel left = new Panel(g, 60, 40, 500, 360, endS, nonSeeds);
        left.frame("nodes with their " + m.outboundPeers() + " outbound peers (" + m.name() + ")", "seconds since every node started", "nodes");
        g.setColor(new Color(255, 220, 200));
        for (int k = 0; k < m.perturbations().size(); k++) {
            long[] t = r.perturbationTimes.get(k);
            if (t[0] > 0 && t[1] > 0) {
                int x0 = left.x((t[0] - r.t0) / 1e6);
                int x1 = left.x((t[1] - r.t0) / 1e6);
                g.fillRect(x0, left.top, Math.max(2, x1 - x0), left.height);
                g.setColor(Color.DARK_GRAY);
                g.drawString(m.perturbations().get(k).op(), x0 + 2, left.top + 14 + 14 * (k % 4));
                g.setColor(new Color(255, 220, 200));
            }
        }
        left.axes(endS, nonSeeds);
        g.setColor(new Color(30, 90, 200));
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (long[] s : samples) {
            int x = left.x(s[0] / 1e6);
            int y = left.y(s[1]);
            if (px >= 0) {
                g.drawLine(px, py, x, py);
                g.drawLine(x, py, x, y);
            }
            px = x;
            py = y;
        }
        double maxMs = Math.max(1, percentile(deliveryMs, 100));
        Panel right = new Panel(g, 660, 40, 500, 360, maxMs, 1);
        right.frame("gossip delivery after the heal: CDF (" + deliveryMs.size() + " deliveries)", "milliseconds after publishing",
                "fraction");
        right.axes(maxMs, 1);
        g.setColor(new Color(200, 60, 30));
        g.setStroke(new BasicStroke(2f));
        px = -1;
        for (int i = 0; i < deliveryMs.size(); i++) {
            int x = right.x(deliveryMs.get(i));
            int y = right.y((i + 1.0) / deliveryMs.size());
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static final class Panel {
        final Graphics2D g;
        final int left;
        final int top;
        final int width;
        final int height;
        final double maxX;
        final double maxY;

        Panel(Graphics2D g, int left, int top, int width, int height, double maxX, double maxY) {
            this.g = g;
            this.left = left;
            this.top = top;
            this.width = width;
            this.height = height;
            this.maxX = maxX <= 0 ? 1 : maxX;
            this.maxY = maxY <= 0 ? 1 : maxY;
        }

        int x(double v) {
            return left + (int) Math.round(v / maxX * width);
        }

        int y(double v) {
            return top + height - (int) Math.round(v / maxY * height);
        }

        void frame(String title, String xLabel, String yLabel) {
            g.setColor(Color.BLACK);
            g.drawString(title, left, top - 12);
            g.drawString(xLabel, left + width / 2 - 60, top + height + 36);
            g.drawString(yLabel, left - 50, top - 12 + 0);
        }

        void axes(double xMax, double yMax) {
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1f));
            g.drawRect(left, top, width, height);
            double xStep = niceStep(xMax / 6);
            for (double xv = 0; xv <= xMax + 1e-9; xv += xStep) {
                g.drawLine(x(xv), top + height, x(xv), top + height + 4);
                g.drawString(label(xv, xStep), x(xv) - 10, top + height + 18);
            }
            double yStep = niceStep(yMax / 5);
            for (double yv = 0; yv <= yMax + 1e-9; yv += yStep) {
                g.drawLine(left - 4, y(yv), left, y(yv));
                g.drawString(label(yv, yStep), left - 34, y(yv) + 4);
            }
        }

        /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
        static double niceStep(double rough) {
            double power = Math.pow(10, Math.floor(Math.log10(Math.max(rough, 1e-9))));
            for (double f : new double[] {1, 2, 5, 10}) {
                if (f * power >= rough) {
                    return f * power;
                }
            }
            return 10 * power;
        }

        static String label(double v, double step) {
            return step >= 1 ? String.format("%.0f", v) : String.format("%.1f", v);
        }
    }
}
