package io.p2p4j.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The packet path of an MConnection without sockets, through the library's API: two
 * MConnections over Netty's EmbeddedChannel, so one message is queued, cut into packets and
 * encoded, flushed, then decoded, reassembled and delivered, all on the calling thread. The
 * sender's clock is frozen and moved by each pump, so timers cost no real waiting; the keepalive
 * is days away, beyond any run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PacketPathBenchmark {
    private static final byte CHANNEL = 0x20;
    /** Enough pumps for a 64 KiB message many times over; more means the path is broken. */
    private static final int MAX_PUMPS = 1_000;
    /** How far each pump moves the sender's clock: past any flush delay of the writer. */
    private static final long PUMP_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    @Param({"1024", "65536"})
    int messageSize;

    private EmbeddedChannel senderChannel;
    private EmbeddedChannel receiverChannel;
    private MConnection sender;
    private MConnection receiver;
    private byte[] message;
    private byte[] delivered;

    @Setup(Level.Trial)
    public void setUp() {
        ChannelDescriptor channel = ChannelDescriptor.builder(CHANNEL).sendQueueCapacity(2)
                .recvMessageCapacity(1 << 20).build();
        // no rate limits, and no keepalive ping in the middle of a measurement
        MConnectionConfig config = MConnectionConfig.defaults().unlimited()
                .withKeepalive(Duration.ofDays(2), Duration.ofDays(1));
        senderChannel = new EmbeddedChannel();
        // the sender's timers move only when a pump moves them: a flush that waits for the
        // writer's short busy delay is due at the next pump, whatever the real time
        senderChannel.freezeTime();
        receiverChannel = new EmbeddedChannel();
        sender = MConnection.builder(senderChannel).channel(channel).config(config).start();
        receiver = MConnection.builder(receiverChannel).channel(channel).config(config)
                .onReceive((id, m) -> delivered = m).start();
        message = new byte[messageSize];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        sender.close();
        receiver.close();
        senderChannel.finishAndReleaseAll();
        receiverChannel.finishAndReleaseAll();
    }

    /** Sends one whole message and moves the sender's bytes to the receiver until it is delivered. */
    @Benchmark
    public byte[] encodeAndDecodeMessage() {
        delivered = null;
        if (!sender.trySend(CHANNEL, message)) {
            throw new IllegalStateException("send queue full");
        }
        for (int i = 0; i < MAX_PUMPS && delivered == null; i++) {
            senderChannel.advanceTimeBy(PUMP_STEP_NANOS, TimeUnit.NANOSECONDS);
            senderChannel.runPendingTasks();
            for (ByteBuf buf; (buf = senderChannel.readOutbound()) != null; ) {
                receiverChannel.writeInbound(buf);
            }
        }
        if (delivered == null) {
            throw new IllegalStateException("message not delivered after " + MAX_PUMPS + " pumps");
        }
        return delivered;
    }
}
