package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.RawPeer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Heap after GC while peers hold partial messages open: it follows the data (within the
 * reassembly budget), not the number of packets it came in.
 */
class ReassemblyHeapTest {
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();

    /** Heap in use after a full collection: the least of a few, as a collection may leave some behind. */
    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            memory.gc();
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /** {@code length} bytes of a message on {@code channel} as packets of {@code packetData} bytes. */
    static void writePackets(ByteBuf out, int channel, int length, int packetData, boolean eof) {
        byte[] data = new byte[packetData];
        for (int offset = 0; offset < length; offset += packetData) {
            int len = Math.min(packetData, length - offset);
            PacketCodec.writePacketMsg(out, channel, eof && offset + len == length, data, 0, len);
        }
    }

    static byte[] bytes(ByteBuf buf) {
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    @Test
    void peersHoldingPartialMessagesOnEveryChannelCostTheirBudgetAtMost() {
        int peers = 10;
        int budget = 512 * 1024;
        int perChannel = 60_000; // eight channels: 480,000 bytes of data per peer, just under the budget
        List<ChannelDescriptor> channels = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            channels.add(ChannelDescriptor.builder((byte) (0x20 + i)).recvMessageCapacity(128 * 1024).build());
        }
        MConnectionConfig config = CONFIG.withMaxReassemblyBytes(budget);
        // every peer sends the same bytes: each channel's message left open, in 8-byte packets
        ByteBuf buf = Unpooled.buffer();
        for (ChannelDescriptor channel : channels) {
            writePackets(buf, channel.unsignedId(), perChannel, 8, false);
        }
        byte[] wire = bytes(buf);
        List<LoopbackConnection> pairs = new ArrayList<>();
        try (LoopbackConnections loopback = new LoopbackConnections()) {
            try {
                List<Endpoint> victims = new ArrayList<>();
                for (int i = 0; i < peers; i++) {
                    LoopbackConnection pair = loopback.connect();
                    pairs.add(pair);
                    victims.add(new Endpoint(pair.server(), channels, config));
                    RawPeer.reading(pair.client());
                }
                long before = heapAfterGc();
                for (LoopbackConnection pair : pairs) {
                    pair.client().writeAndFlush(Unpooled.wrappedBuffer(wire));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> victims.stream().allMatch(v ->
                        v.connection.status().bytesReceived() == wire.length || !v.errors.isEmpty()));
                long after = heapAfterGc();
                long grown = after - before;
                System.out.printf("%d peers holding %d bytes of partial messages each in 8-byte packets: heap %s -> "
                        + "%s, grown %s (%s per peer)%n", peers, 8 * perChannel, mib(before), mib(after), mib(grown),
                        mib(grown / peers));
                for (Endpoint victim : victims) {
                    assertThat(victim.errors).as("just under the budget: still connected").isEmpty();
                }
                long slack = 4L << 20;
                assertThat(grown).as("heap grown for %d peers, at most %d x the budget of %d + %s", peers, peers,
                        budget, mib(slack)).isLessThanOrEqualTo((long) peers * budget + slack);
            } finally {
                pairs.forEach(LoopbackConnection::close);
            }
        }
    }

    @Test
    void aMessageInOneBytePacketsCostsAboutItsSize() {
        int length = 250_000;
        List<ChannelDescriptor> channels = List.of(ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20)
                .build());
        ByteBuf buf = Unpooled.buffer();
        writePackets(buf, 0x20, length, 1, false);
        byte[] wire = bytes(buf);
        try (LoopbackConnections loopback = new LoopbackConnections(); LoopbackConnection pair = loopback.connect()) {
            Endpoint victim = new Endpoint(pair.server(), channels, CONFIG);
            RawPeer.reading(pair.client());
            long before = heapAfterGc();
            pair.client().writeAndFlush(Unpooled.wrappedBuffer(wire));
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    victim.connection.status().bytesReceived() == wire.length || !victim.errors.isEmpty());
            long after = heapAfterGc();
            long grown = after - before;
            System.out.printf("a partial message of %d bytes in 1-byte packets: heap %s -> %s, grown %s (%.1f bytes "
                    + "per byte of data)%n", length, mib(before), mib(after), mib(grown), (double) grown / length);
            assertThat(victim.errors).isEmpty();
            // the data plus less than one reassembly block, and a slack for the measurement
            assertThat(grown).as("heap for %d bytes of data", length)
                    .isLessThanOrEqualTo(length + ChannelState.MAX_BLOCK_BYTES + (1 << 20));
        }
    }
}
