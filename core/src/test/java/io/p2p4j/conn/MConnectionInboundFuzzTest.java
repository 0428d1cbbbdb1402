package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.conn.MConnectionException.PacketTooLargeException;
import io.p2p4j.conn.MConnectionException.UndecodablePacketException;
import io.p2p4j.conn.MConnectionException.UnknownChannelException;
import io.p2p4j.proto.Packet;
import io.p2p4j.testkit.FuzzScript;
import io.p2p4j.testkit.TrackingAllocator;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: arbitrary bytes from a peer into an MConnection (packet decoder, fast and generic
 * packet parsing, reassembly, ping answers). Each input is checked against a reference decoder
 * written from the protocol alone (varint-delimited protobuf {@code Packet}s parsed by the
 * generated classes): the connection must deliver exactly the messages the reference assembles,
 * answer each ping it reads, and end with exactly the error the reference names at the packet
 * where the reference finds it, or with none. The reference refuses a packet from its length
 * prefix alone and a message the moment it would pass its channel's capacity, so a connection
 * that buffered more before refusing would deliver or fail differently.
 *
 * <p>Input: one byte choosing how the stream is cut into reads (0: one read; n: reads of n bytes),
 * then the bytes the peer sends.
 */
class MConnectionInboundFuzzTest {
    /** Small capacities, so that inputs a fuzzer can make reach them; one id needs a 2-byte varint. */
    static final List<ChannelDescriptor> CHANNELS = List.of(
            ChannelDescriptor.builder((byte) 0x00).recvMessageCapacity(100).build(),
            ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(3000).build(),
            ChannelDescriptor.builder((byte) 0xC0).recvMessageCapacity(1024).build());
    /**
     * Keepalive out of the way, no rate limits; the ping rate and connection-wide reassembly
     * bounds set so high that the reference (which does not model them) stays exact: the channel
     * capacities above sum far below any reassembly bound.
     */
    static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited()
            .withKeepalive(Duration.ofDays(2), Duration.ofDays(1))
            .withMaxPingsPerSecond(Integer.MAX_VALUE);

    record Delivery(int channel, byte[] message) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Delivery d && d.channel == channel && Arrays.equals(d.message, message);
        }

        @Override
        public int hashCode() {
            return 31 * channel + Arrays.hashCode(message);
        }

        @Override
        public String toString() {
            return "0x" + Integer.toHexString(channel) + ":" + message.length + "B";
        }
    }

    /**
     * What the protocol says a connection makes of the stream: the messages, the pongs (the pings
     * of one read share one pong, and a read that ends in an error gets none), the error.
     */
    record Expected(List<Delivery> deliveries, int pongs, Class<? extends MConnectionException> error) {}

    /** The pongs of the reads of {@code step} bytes: one per read that held a ping and did not fail. */
    private static final class PongCount {
        private final int step;
        private final java.util.Set<Integer> readsWithPings = new java.util.HashSet<>();

        PongCount(int step) {
            this.step = step;
        }

        /** A ping whose last byte is at {@code end - 1}. */
        void ping(int end) {
            readsWithPings.add((end - 1) / step);
        }

        Expected expect(List<Delivery> deliveries, int errorEnd, Class<? extends MConnectionException> error) {
            if (error != null) {
                readsWithPings.remove((errorEnd - 1) / step);
            }
            return new Expected(deliveries, readsWithPings.size(), error);
        }
    }

    @FuzzTest
    @Timeout(10)
    void inboundBytes(byte[] input) {
        FuzzScript script = new FuzzScript(input);
        int readSize = script.u8();
        byte[] wire = script.rest();
        int step = readSize == 0 ? Math.max(1, wire.length) : readSize;
        Expected expected = reference(wire, CONFIG.maxPacketSize(), step);

        EmbeddedChannel channel = new EmbeddedChannel();
        TrackingAllocator allocator = new TrackingAllocator();
        channel.config().setAllocator(allocator);
        List<Delivery> delivered = new ArrayList<>();
        List<Throwable> errors = new ArrayList<>();
        MConnection connection = MConnection.builder(channel).channels(CHANNELS).config(CONFIG)
                .onReceive((id, msg) -> delivered.add(new Delivery(Byte.toUnsignedInt(id), msg)))
                .onError(errors::add).start();
        try {
            for (int at = 0; at < wire.length && channel.isOpen(); at += step) {
                channel.writeInbound(Unpooled.wrappedBuffer(wire, at, Math.min(step, wire.length - at)));
            }
            channel.runPendingTasks();
            int pongs = countPongs(channel);

            // the decoder holds at most a length prefix and one packet beyond the current read
            // (doubled for the growth policy's rounding), whatever length the peer claims
            assertThat(allocator.largest()).as("largest buffer")
                    .isLessThanOrEqualTo(2 * (10 + CONFIG.maxPacketSize() + step));
            assertThat(delivered).as("messages delivered").isEqualTo(expected.deliveries());
            assertThat(pongs).as("one pong per read that held pings").isEqualTo(expected.pongs());
            if (expected.error() == null) {
                assertThat(errors).isEmpty();
                assertThat(channel.isOpen()).isTrue();
            } else {
                assertThat(errors).as("one error, the reference's").hasSize(1);
                assertThat(errors.get(0)).isInstanceOf(expected.error());
                assertThat(channel.isOpen()).isFalse();
            }
        } finally {
            connection.close();
            channel.finishAndReleaseAll();
        }
    }

    private static int countPongs(EmbeddedChannel channel) {
        int pongs = 0;
        for (Object out; (out = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) out;
            try {
                // only pongs are written: no message is sent and the keepalive is days away
                assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(PacketCodec.PONG);
                pongs++;
            } finally {
                buf.release();
            }
        }
        return pongs;
    }

    /**
     * The reference: decodes the stream with the generated classes, stopping at the first error,
     * as read in pieces of {@code step} bytes.
     */
    static Expected reference(byte[] wire, int maxPacketSize, int step) {
        PongCount pongs = new PongCount(step);
        Map<Integer, ChannelDescriptor> byId = new HashMap<>();
        CHANNELS.forEach(d -> byId.put(d.unsignedId(), d));
        Map<Integer, ByteArrayOutputStream> partial = new HashMap<>();
        List<Delivery> deliveries = new ArrayList<>();
        int pos = 0;
        while (pos < wire.length) {
            long length = 0;
            boolean huge = false;
            int prefix = 0;
            boolean complete = false;
            while (pos + prefix < wire.length) {
                int b = wire[pos + prefix] & 0xff;
                int shift = 7 * prefix;
                prefix++;
                if (shift >= 63) {
                    huge |= (b & 0x7f) != 0;
                } else {
                    length |= (long) (b & 0x7f) << shift;
                }
                if ((b & 0x80) == 0) {
                    complete = true;
                    break;
                }
                if (prefix == 10) {
                    return pongs.expect(deliveries, pos + prefix, PacketTooLargeException.class);
                }
            }
            if (!complete) {
                break; // a prefix still arriving
            }
            if (huge || length < 0 || length > maxPacketSize) {
                return pongs.expect(deliveries, pos + prefix, PacketTooLargeException.class);
            }
            if (pos + prefix + length > wire.length) {
                break; // a packet still arriving
            }
            Packet packet;
            try {
                packet = Packet.parseFrom(Arrays.copyOfRange(wire, pos + prefix, pos + prefix + (int) length));
            } catch (InvalidProtocolBufferException e) {
                return pongs.expect(deliveries, pos + prefix + (int) length, UndecodablePacketException.class);
            }
            pos += prefix + (int) length;
            switch (packet.getSumCase()) {
                case SUM_NOT_SET -> {
                    return pongs.expect(deliveries, pos, UndecodablePacketException.class);
                }
                case PACKET_PING -> pongs.ping(pos);
                case PACKET_PONG -> { }
                case PACKET_MSG -> {
                    int id = packet.getPacketMsg().getChannelId();
                    ChannelDescriptor descriptor = byId.get(id);
                    if (descriptor == null) {
                        return pongs.expect(deliveries, pos, UnknownChannelException.class);
                    }
                    ByteArrayOutputStream message = partial.computeIfAbsent(id, k -> new ByteArrayOutputStream());
                    byte[] data = packet.getPacketMsg().getData().toByteArray();
                    if ((long) message.size() + data.length > descriptor.recvMessageCapacity()) {
                        return pongs.expect(deliveries, pos, MessageTooLargeException.class);
                    }
                    message.writeBytes(data);
                    if (packet.getPacketMsg().getEof()) {
                        deliveries.add(new Delivery(id, message.toByteArray()));
                        partial.remove(id);
                    }
                }
            }
        }
        return pongs.expect(deliveries, 0, null);
    }
}
