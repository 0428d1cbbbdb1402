package io.p2p4j.conn;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.conn.ChannelDescriptor;
import java.util.ArrayList;
import java.util.List;
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
 * The packet path of an MConnection without sockets: cutting a message into a packet
 * (scheduler pick, encoding into a pooled buffer) and decoding it back (length prefix,
 * protobuf parse, reassembly into a whole message straight out of the buffer, as a connection's
 * decoder does).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PacketPathBenchmark {
    @Param({"1024", "65536"})
    int messageSize;

    private ChannelState sender;
    private ChannelScheduler scheduler;
    private ChannelState receiver;
    private PacketDecoder decoder;
    private EmbeddedChannel embedded;
    private byte[] message;
    private ByteBuf wire;
    private final List<Object> decoded = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        ChannelDescriptor d = ChannelDescriptor.builder((byte) 0x20).sendQueueCapacity(2).recvMessageCapacity(1 << 20).build();
        sender = new ChannelState(d, 1024);
        scheduler = new ChannelScheduler(List.of(sender));
        receiver = new ChannelState(d, 1024);
        decoder = new PacketDecoder(1034, (id, eof, in, index, length) -> {
            byte[] m = receiver.receivePacket(in, index, length, eof, 0);
            return m == null ? null : new InboundPacket.Message(id, m);
        });
        embedded = new EmbeddedChannel(decoder);
        message = new byte[messageSize];
        wire = PooledByteBufAllocator.DEFAULT.heapBuffer(2 * messageSize + 1024);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        wire.release();
        embedded.finishAndReleaseAll();
    }

    /** Encodes one whole message into packets, then decodes and reassembles it. */
    @Benchmark
    public byte[] encodeAndDecodeMessage() throws Exception {
        wire.clear();
        sender.queue.tryOffer(message);
        ChannelState next;
        while ((next = scheduler.next()) != null) {
            next.writeNextPacket(wire);
        }
        byte[] whole = null;
        decoded.clear();
        decoder.decode(embedded.pipeline().firstContext(), wire, decoded);
        for (Object o : decoded) {
            whole = ((InboundPacket.Message) o).data();
        }
        return whole;
    }
}
