package io.p2p4j.node;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.ConnectionStatus;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.LoopbackConnection;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Two MConnections over a real loopback socket: first a few text messages on three channels,
 * then all three channels saturated at once, printing each second how the bytes divide between
 * them next to the division their priorities ask for.
 */
final class MConnectionDemo {
    private record DemoChannel(byte id, String name, int priority) {}

    private static final List<DemoChannel> CHANNELS = List.of(
            new DemoChannel((byte) 0x20, "consensus", 10),
            new DemoChannel((byte) 0x30, "mempool", 5),
            new DemoChannel((byte) 0x40, "blocksync", 1));

    private final PrintStream out;
    private final int seconds;

    MConnectionDemo(PrintStream out, int seconds) {
        this.out = out;
        this.seconds = seconds;
    }

    int run() throws Exception {
        List<ChannelDescriptor> descriptors = CHANNELS.stream()
                .map(c -> ChannelDescriptor.builder(c.id()).priority(c.priority()).sendQueueCapacity(32).build())
                .toList();
        MConnectionConfig config = MConnectionConfig.defaults().unlimited();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            LoopbackConnection ends = LoopbackConnection.open(group);
            LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
            MConnection receiver = MConnection.builder(ends.server()).channels(descriptors).config(config)
                    .onReceive((id, msg) -> {
                        if (msg.length < 200) {
                            texts.add(String.format("  received on 0x%02x (%s): %s", id, name(id),
                                    new String(msg, StandardCharsets.UTF_8)));
                        }
                    })
                    .onError(e -> out.println("receiver error: " + e.getMessage()))
                    .start();
            MConnection sender = MConnection.builder(ends.client()).channels(descriptors).config(config)
                    .onError(e -> out.println("sender error: " + e.getMessage()))
                    .start();
            out.printf("p2p4j demo: two MConnections over %s, rate limits off%n", ends.client().remoteAddress());
            for (DemoChannel c : CHANNELS) {
                out.printf("  channel 0x%02x %-10s priority %2d%n", c.id(), c.name(), c.priority());
            }
            out.println();
            out.println("1. A message on each channel:");
            for (DemoChannel c : CHANNELS) {
                sender.send(c.id(), ("hello from the " + c.name() + " channel").getBytes(StandardCharsets.UTF_8));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int shown = 0;
            while (shown < CHANNELS.size()) {
                String line = texts.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    break;
                }
                out.println(line);
                shown++;
            }
            if (shown < CHANNELS.size()) {
                out.println("the messages did not arrive within 5 s");
                return 1;
            }

            out.println();
            out.printf("2. All three channels saturated with 64 KiB messages for %d s; share of bytes per second:%n",
                    seconds);
            out.printf("  %-6s %18s %18s %18s %12s%n", "time", "consensus (10)", "mempool (5)", "blocksync (1)",
                    "total MB/s");
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> pushers = new ArrayList<>();
            byte[] payload = new byte[64 * 1024];
            for (DemoChannel c : CHANNELS) {
                pushers.add(Thread.ofPlatform().daemon().start(() -> {
                    while (running.get() && sender.send(c.id(), payload)) {
                        // keep the channel full
                    }
                }));
            }
            long[] previous = received(receiver);
            long[] first = previous;
            long start = System.nanoTime();
            for (int s = 1; s <= seconds; s++) {
                Thread.sleep(1000);
                long[] now = received(receiver);
                printShares("  " + s + " s", previous, now, 1.0);
                previous = now;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            running.set(false);
            out.println();
            out.println("Summary:");
            printShares("  all", first, previous, elapsed);
            out.printf("  ideal %18s %18s %18s%n", percent(10 / 16.0), percent(5 / 16.0), percent(1 / 16.0));
            sender.close();
            receiver.close();
            for (Thread pusher : pushers) {
                pusher.join(5000);
            }
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private void printShares(String label, long[] before, long[] after, double seconds) {
        long total = 0;
        for (int i = 0; i < before.length; i++) {
            total += after[i] - before[i];
        }
        String[] cells = new String[before.length];
        for (int i = 0; i < before.length; i++) {
            cells[i] = total == 0 ? "-" : percent((double) (after[i] - before[i]) / total);
        }
        out.printf("%-8s %18s %18s %18s %12.0f%n", label, cells[0], cells[1], cells[2], total / seconds / 1e6);
    }

    private static String percent(double share) {
        return String.format("%.1f %%", share * 100);
    }

    private static long[] received(MConnection connection) {
        ConnectionStatus status = connection.status();
        long[] bytes = new long[CHANNELS.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = status.channel(Byte.toUnsignedInt(CHANNELS.get(i).id())).bytesReceived();
        }
        return bytes;
    }

    private static String name(byte id) {
        return CHANNELS.stream().filter(c -> c.id() == id).map(DemoChannel::name).findFirst().orElse("?");
    }
}
