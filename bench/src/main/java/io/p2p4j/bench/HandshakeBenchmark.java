package io.p2p4j.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.NetAddress;
import io.p2p4j.NodeInfo;
import io.p2p4j.NodeKey;
import io.p2p4j.transport.Transport;
import io.p2p4j.transport.UpgradedConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Full peer handshakes on loopback, as a node accepts them: 8 dialers, each with its own identity,
 * repeatedly connect to one listening node, and each connection goes through TCP connect, the
 * SecretConnection handshake and the NodeInfo exchange with all its checks before both ends close
 * it. Reports completed handshakes per second and the dialer's time per handshake (p50, p99).
 * The listener and the dialers each run on one event loop. Run: {@code bench/run handshakes}.
 */
public final class HandshakeBenchmark {
    private static final int DIALERS = 8;
    private static final String NETWORK = "bench";
    private static final Transport.Timeouts TIMEOUTS =
            new Transport.Timeouts(Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(1));

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "2"));
        System.out.printf("Handshake benchmark: JDK %s, %d cores, %d dialers, %d trials of %.1f s (after one warm-up)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), DIALERS, trials, seconds);
        EventLoopGroup listenerLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup dialerLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        NodeKey listenerKey = NodeKey.generate();
        Transport listener = transport(listenerKey, listenerLoop);
        List<Transport> dialers = new ArrayList<>();
        try {
            int port = listener.listen("127.0.0.1", 0, inbound -> inbound.thenAccept(c -> c.channel().close())).getPort();
            NetAddress target = new NetAddress(listenerKey.id(), "127.0.0.1", port);
            for (int i = 0; i < DIALERS; i++) {
                dialers.add(transport(NodeKey.generate(), dialerLoop));
            }
            run(dialers, target, seconds / 2);
            double[] rates = new double[trials];
            double[] p50 = new double[trials];
            double[] p99 = new double[trials];
            for (int t = 0; t < trials; t++) {
                Trial trial = run(dialers, target, seconds);
                rates[t] = trial.perSecond();
                p50[t] = trial.percentileMillis(0.50);
                p99[t] = trial.percentileMillis(0.99);
            }
            System.out.printf("%-48s %24s%n", "full handshakes/s (TCP + SecretConnection + NodeInfo)",
                    MConnectionBenchmark.summary(rates, "%.0f"));
            System.out.printf("%-48s %24s%n", "time per handshake p50, ms", MConnectionBenchmark.summary(p50, "%.2f"));
            System.out.printf("%-48s %24s%n", "time per handshake p99, ms", MConnectionBenchmark.summary(p99, "%.2f"));
        } finally {
            dialers.forEach(Transport::close);
            listener.close();
            dialerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            listenerLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Transport transport(NodeKey key, EventLoopGroup loop) {
        NodeInfo info = NodeInfo.of(key.id(), "tcp://127.0.0.1:0", NETWORK, NodeInfo.DEFAULT_VERSION,
                new byte[] {0x20, 0x21, 0x22, 0x23, 0x30, 0x38, 0x40}, "bench");
        return new Transport(Transport.Kind.TCP, key, () -> info, TIMEOUTS, List.of(), loop);
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
                        c.channel().close().syncUninterruptibly();
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
