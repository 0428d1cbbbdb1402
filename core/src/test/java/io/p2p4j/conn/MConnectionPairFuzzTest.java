package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionConfig.FlushPolicy;
import io.p2p4j.testkit.FuzzScript;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: two MConnections talking both ways over embedded channels, where the fuzzer
 * chooses the channels (ids, priorities, queue sizes), the packet payload size, the flush policy
 * of each side, which side sends what size on which channel and when, when each side's event loop
 * runs and its clock moves, and where the byte stream is cut between the two (the TCP segment
 * boundaries). After the script, both event loops run until the wires are quiet; then every
 * channel in each direction must have delivered exactly the messages its sender queued, whole,
 * byte-exact and in order, and neither connection may have failed.
 *
 * <p>Input: a header (channel count, per channel id/priority/queue capacity, payload size, the
 * two flush policies), then operations of one byte each with their arguments (see {@link #run}).
 */
class MConnectionPairFuzzTest {
    /** Payload sizes per packet: the default, the smallest allowed, and two that cut messages oddly. */
    private static final int[] PAYLOAD_SIZES = {1024, 2, 10, 333};
    private static final int MAX_MESSAGE = 4096;
    private static final int MAX_OPERATIONS = 500;
    /** Rounds of the final drain: far more than the largest script needs (every round moves bytes). */
    private static final int DRAIN_ROUNDS = 2_000;

    /** One side: its channel, its connection, what it queued and what it received, per channel id. */
    private static final class Side {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final MConnection connection;
        final Map<Integer, List<byte[]>> queued = new HashMap<>();
        final Map<Integer, List<byte[]>> received = new HashMap<>();
        final List<Throwable> errors = new ArrayList<>();
        /** Bytes this side wrote that the other has not read yet. */
        final ByteBuf onTheWire = Unpooled.buffer();
        int sent;

        Side(List<ChannelDescriptor> channels, MConnectionConfig config) {
            channel.freezeTime(); // timers move only when the script says so
            connection = MConnection.builder(channel).channels(channels).config(config)
                    .onReceive((id, msg) -> received.computeIfAbsent(Byte.toUnsignedInt(id), k -> new ArrayList<>()).add(msg))
                    .onError(errors::add).start();
        }

        /** Collects what the connection flushed to its socket. */
        void collect() {
            for (Object out; (out = channel.readOutbound()) != null; ) {
                ByteBuf buf = (ByteBuf) out;
                onTheWire.writeBytes(buf);
                buf.release();
            }
        }

        /** Hands up to {@code max} written bytes to the other side as one read; returns how many. */
        int deliverTo(Side other, int max) {
            collect();
            int n = Math.min(max, onTheWire.readableBytes());
            if (n > 0) {
                // a copy: the receiver's decoder may keep the buffer it is given across reads,
                // and compacting onTheWire would move bytes under a slice of it
                other.channel.writeInbound(onTheWire.readBytes(n));
                onTheWire.discardSomeReadBytes();
            }
            return n;
        }

        void advance(long nanos) {
            channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
            channel.runScheduledPendingTasks();
        }

        void close() {
            connection.close();
            channel.finishAndReleaseAll();
            onTheWire.release();
        }
    }

    @FuzzTest
    @Timeout(30)
    void twoWayTraffic(byte[] input) {
        FuzzScript script = new FuzzScript(input);
        List<ChannelDescriptor> channels = channels(script);
        int payload = PAYLOAD_SIZES[script.pick(PAYLOAD_SIZES.length)];
        MConnectionConfig base = MConnectionConfig.defaults().unlimited().withMaxPacketMsgPayloadSize(payload)
                .withKeepalive(Duration.ofDays(2), Duration.ofDays(1));
        Side a = new Side(channels, base.withFlushPolicy(FlushPolicy.values()[script.pick(2)]));
        Side b = new Side(channels, base.withFlushPolicy(FlushPolicy.values()[script.pick(2)]));
        try {
            run(script, channels, a, b);
            drain(a, b);
            assertThat(a.errors).as("A's errors").isEmpty();
            assertThat(b.errors).as("B's errors").isEmpty();
            for (Side[] direction : new Side[][] {{a, b}, {b, a}}) {
                Side from = direction[0];
                Side to = direction[1];
                for (ChannelDescriptor c : channels) {
                    List<byte[]> queued = from.queued.getOrDefault(c.unsignedId(), List.of());
                    List<byte[]> received = to.received.getOrDefault(c.unsignedId(), List.of());
                    assertThat(received).as("channel %s, %s", ChannelDescriptor.format(c.unsignedId()),
                            from == a ? "A->B" : "B->A").containsExactlyElementsOf(queued);
                }
            }
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * Found by this target (regression input crash-e2e998fb…): with a 1-byte payload a channel
     * from 0x80 up cannot shrink its packets below the receiver's limit, so every message on it
     * ended the connection. The configuration now refuses it; 2 bytes work on every channel.
     */
    @Test
    void aOneBytePayloadIsRefusedAndTwoFitEveryChannel() {
        assertThatThrownBy(() -> MConnectionConfig.defaults().withMaxPacketMsgPayloadSize(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
        int maxPacket = MConnectionConfig.defaults().withMaxPacketMsgPayloadSize(2).maxPacketSize();
        for (int channel = 0; channel < 256; channel++) {
            int payload = PacketCodec.payloadLimit(channel, 2);
            assertThat(PacketCodec.packetSize(channel, true, payload)).as("channel %d", channel)
                    .isLessThanOrEqualTo(maxPacket);
        }
    }

    private static List<ChannelDescriptor> channels(FuzzScript script) {
        int count = 1 + script.pick(4);
        Set<Integer> ids = new LinkedHashSet<>();
        List<ChannelDescriptor> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int id = script.u8();
            while (!ids.add(id)) {
                id = (id + 1) & 0xff; // ids must differ; at most 4 are taken, so this ends at once
            }
            channels.add(ChannelDescriptor.builder((byte) id).priority(1 + script.pick(10))
                    .sendQueueCapacity(1 + script.pick(8)).recvMessageCapacity(MAX_MESSAGE).build());
        }
        return channels;
    }

    /**
     * Operations: 0 send (side, channel, 2-byte size), 1 move bytes (side, 2-byte count) to the
     * other side as one read, 2 run a side's pending tasks, 3 move a side's clock (units of 100 µs).
     */
    private static void run(FuzzScript script, List<ChannelDescriptor> channels, Side a, Side b) {
        for (int op = 0; op < MAX_OPERATIONS && script.hasMore(); op++) {
            int kind = script.pick(4);
            Side side = script.pick(2) == 0 ? a : b;
            Side other = side == a ? b : a;
            switch (kind) {
                case 0 -> {
                    ChannelDescriptor c = channels.get(script.pick(channels.size()));
                    byte[] message = message(side == a ? 0 : 1, side.sent++, script.u16() % (MAX_MESSAGE + 1));
                    if (side.connection.trySend(c.id(), message)) {
                        side.queued.computeIfAbsent(c.unsignedId(), k -> new ArrayList<>()).add(message);
                    }
                }
                case 1 -> side.deliverTo(other, 1 + script.u16() % 4096);
                case 2 -> side.channel.runPendingTasks();
                default -> side.advance(TimeUnit.MICROSECONDS.toNanos(100L * script.u8()));
            }
        }
    }

    /** Runs both sides until nothing more is written, in whole reads. */
    private static void drain(Side a, Side b) {
        for (int round = 0; round < DRAIN_ROUNDS; round++) {
            a.channel.runPendingTasks();
            b.channel.runPendingTasks();
            a.advance(TimeUnit.MILLISECONDS.toNanos(200));
            b.advance(TimeUnit.MILLISECONDS.toNanos(200));
            int moved = a.deliverTo(b, Integer.MAX_VALUE) + b.deliverTo(a, Integer.MAX_VALUE);
            if (moved == 0 && !a.connection.status().channels().stream().anyMatch(c -> c.sendQueueSize() > 0)
                    && !b.connection.status().channels().stream().anyMatch(c -> c.sendQueueSize() > 0)) {
                return;
            }
        }
    }

    /** Distinct content for each message, so a swap or a mix-up cannot go unnoticed. */
    private static byte[] message(int side, int sequence, int size) {
        byte[] bytes = new byte[size];
        new Random(side * 1_000_003L + sequence).nextBytes(bytes);
        return bytes;
    }
}
