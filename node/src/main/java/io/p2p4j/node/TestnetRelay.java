package io.p2p4j.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * The shaped links of {@code p2p4j testnet}: one process in the run's hub namespace, a relay in
 * front of every node. Node i advertises its relay's address, so every connection to it, dialed
 * from a seed list or from an address learnt by PEX, enters through the relay, which knows both
 * ends (the dialer by its source address, the listener by the relay it came to) and so their
 * regions. Each direction of each connection is delayed by the pair's one-way latency plus a
 * uniform jitter, in order, as TCP delivers; "loss" is TCP's: a segment (1,448 bytes) lost with
 * the manifest's probability arrives one retransmission timeout later (Linux's least RTO, 200 ms,
 * plus the round trip), holding up what follows it on that connection.
 *
 * <p>Configuration file lines: {@code node <i> <relay ip> <node ip> <port> <region>},
 * {@code latency <region> <region> <ms>}, {@code jitter <ms>}, {@code loss <p>}. Commands on
 * standard input: {@code cut <i>} (close every connection of node i and refuse new ones),
 * {@code restore <i>}, {@code partition <i,j,...>} (the listed nodes against the others),
 * {@code heal}. Prints {@code RELAY READY} when it listens and {@code OK <command>} after each command.
 */
final class TestnetRelay {
    private static final int SEGMENT = 1448;
    private static final int BUFFERED_BYTES_PER_DIRECTION = 4 << 20;

    private final Map<String, Integer> nodeByIp = new HashMap<>();
    private final Map<Integer, Integer> regionOf = new HashMap<>();
    private final Map<String, Double> latencyMs = new HashMap<>();
    private double jitterMs;
    private double loss;
    private final Set<Integer> cut = ConcurrentHashMap.newKeySet();
    private volatile Set<Integer> partitioned = Set.of();
    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    private TestnetRelay() { }

    public static void main(String[] args) throws Exception {
        TestnetRelay relay = new TestnetRelay();
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        List<ServerSocket> listeners = new java.util.ArrayList<>();
        for (String line : lines) {
            String[] w = line.trim().split("\\s+");
            switch (w[0]) {
                case "latency" -> {
                    relay.latencyMs.put(w[1] + " " + w[2], Double.parseDouble(w[3]));
                    relay.latencyMs.put(w[2] + " " + w[1], Double.parseDouble(w[3]));
                }
                case "jitter" -> relay.jitterMs = Double.parseDouble(w[1]);
                case "loss" -> relay.loss = Double.parseDouble(w[1]);
                case "node" -> {
                    int node = Integer.parseInt(w[1]);
                    relay.nodeByIp.put(w[3], node);
                    relay.regionOf.put(node, Integer.parseInt(w[5]));
                    ServerSocket server = new ServerSocket();
                    server.setReuseAddress(true);
                    server.bind(new InetSocketAddress(InetAddress.getByName(w[2]), Integer.parseInt(w[4])), 1024);
                    listeners.add(server);
                    InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(w[3]), Integer.parseInt(w[4]));
                    Thread.ofVirtual().start(() -> relay.accept(server, node, target));
                }
                default -> { }
            }
        }
        System.out.println("RELAY READY " + listeners.size());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            relay.command(line.trim());
            System.out.println("OK " + line.trim());
        }
        System.exit(0);
    }

    private void command(String line) {
        String[] w = line.split("\\s+");
        switch (w[0]) {
            case "cut" -> {
                cut.add(Integer.parseInt(w[1]));
                closeForbidden();
            }
            case "restore" -> cut.remove(Integer.parseInt(w[1]));
            case "partition" -> {
                Set<Integer> group = new HashSet<>();
                Arrays.stream(w[1].split(",")).forEach(s -> group.add(Integer.parseInt(s)));
                partitioned = group;
                closeForbidden();
            }
            case "heal" -> partitioned = Set.of();
            default -> { }
        }
    }

    private boolean allowed(int from, int to) {
        if (cut.contains(from) || cut.contains(to)) {
            return false;
        }
        Set<Integer> group = partitioned;
        return group.isEmpty() || group.contains(from) == group.contains(to);
    }

    private void closeForbidden() {
        for (Link link : links) {
            if (!allowed(link.from, link.to)) {
                link.close();
            }
        }
    }

    private void accept(ServerSocket server, int to, InetSocketAddress target) {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            Integer from = nodeByIp.get(client.getInetAddress().getHostAddress());
            if (from == null || !allowed(from, to)) {
                closeQuietly(client);
                continue;
            }
            Thread.ofVirtual().start(() -> connect(client, from, to, target));
        }
    }

    private void connect(Socket client, int from, int to, InetSocketAddress target) {
        Socket server = new Socket();
        try {
            server.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            server.connect(target, 5_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        Link link = new Link(from, to, client, server);
        links.add(link);
        if (!allowed(from, to)) {
            link.close();
            return;
        }
        double oneWay = latencyMs.getOrDefault(regionOf.get(from) + " " + regionOf.get(to), 0.0);
        pipe(link, client, server, oneWay, new SplittableRandom(System.nanoTime()));
        pipe(link, server, client, oneWay, new SplittableRandom(System.nanoTime() ^ 0x5DEECE66DL));
    }

    /** One direction: a reader that stamps each chunk with its delivery time and a writer that waits for it. */
    private void pipe(Link link, Socket from, Socket to, double oneWayMs, SplittableRandom random) {
        LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<Long> due = new LinkedBlockingQueue<>();
        Semaphore room = new Semaphore(BUFFERED_BYTES_PER_DIRECTION);
        byte[] end = new byte[0];
        Thread.ofVirtual().start(() -> {
            long lastDue = 0;
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    room.acquire(n);
                    double delay = oneWayMs + (jitterMs > 0 ? random.nextDouble(-jitterMs, jitterMs) : 0);
                    int segments = (n + SEGMENT - 1) / SEGMENT;
                    for (int s = 0; s < segments; s++) {
                        if (loss > 0 && random.nextDouble() < loss) {
                            delay += 200 + 2 * oneWayMs;
                            break;
                        }
                    }
                    long at = Math.max(lastDue, System.nanoTime() + (long) (Math.max(0, delay) * 1e6));
                    lastDue = at;
                    due.put(at);
                    chunks.put(Arrays.copyOf(buffer, n));
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            due.add(lastDue);
            chunks.add(end);
        });
        Thread.ofVirtual().start(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    long at = due.take();
                    byte[] chunk = chunks.take();
                    for (long wait = at - System.nanoTime(); wait > 0; wait = at - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    if (chunk == end) {
                        to.shutdownOutput();
                        break;
                    }
                    out.write(chunk);
                    room.release(chunk.length);
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            link.close();
        });
    }

    private final class Link {
        final int from;
        final int to;
        final Socket a;
        final Socket b;

        Link(int from, int to, Socket a, Socket b) {
            this.from = from;
            this.to = to;
            this.a = a;
            this.b = b;
        }

        void close() {
            links.remove(this);
            closeQuietly(a);
            closeQuietly(b);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.setSoLinger(true, 0); // a reset, as a broken link shows itself to TCP
        } catch (IOException ignored) {
            // already closed
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
