package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.conn.MConnectionException.PacketTooLargeException;
import io.p2p4j.conn.MConnectionException.PongTimeoutException;
import io.p2p4j.conn.MConnectionException.UndecodablePacketException;
import io.p2p4j.conn.MConnectionException.UnknownChannelException;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.FaultProxy;
import io.p2p4j.testkit.RawPeer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The framing and MConnection scenarios of hostile-peers.md (1, 2, 3, 4, 8, 9, 10); 11 is
 * {@link MConnectionDeliveryPropertyTest}. The hostile side is a raw socket writing bytes by
 * hand; beside it a healthy connection on the same event loops must be unaffected.
 */
class MConnectionHostilePeerTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final List<ChannelDescriptor> CHANNELS = List.of(
            ChannelDescriptor.builder((byte) 0x01).build(),
            ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20).build(),
            ChannelDescriptor.builder((byte) 0x21).priority(5).build());
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();

    /** The loopback connections of each test, closed after it. */
    @RegisterExtension
    static final LoopbackConnections loopback = new LoopbackConnections();

    /** Sends raw bytes at a fresh MConnection and returns it once it has ended. */
    private static Endpoint hostile(byte[]... writes) {
        return hostile(CHANNELS, writes);
    }

    /** Sends raw bytes at a fresh MConnection with these channels and returns it once it has ended. */
    private static Endpoint hostile(List<ChannelDescriptor> channels, byte[]... writes) {
        LoopbackConnection pair = loopback.connect();
        Endpoint victim = new Endpoint(pair.server(), channels, CONFIG);
        RawPeer peer = RawPeer.reading(pair.client());
        for (byte[] write : writes) {
            if (peer.isOpen()) {
                pair.client().writeAndFlush(Unpooled.wrappedBuffer(write));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !victim.errors.isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> !peer.isOpen());
        assertThat(victim.connection.isRunning()).isFalse();
        return victim;
    }

    /** A healthy pair that must keep working while hostile peers are dropped around it. */
    private static void assertHealthyConnectionUnaffected(Runnable hostileWork) {
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, CONFIG);
            Endpoint b = new Endpoint(pair.server(), CHANNELS, CONFIG);
            assertThat(a.connection.send((byte) 0x21, new byte[] {1})).isTrue();
            hostileWork.run();
            assertThat(a.connection.send((byte) 0x21, new byte[] {2})).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> b.count(0x21) == 2);
            assertThat(a.errors).isEmpty();
            assertThat(b.errors).isEmpty();
        }
    }

    private static byte[] hex(String hex) {
        return HEX.parseHex(hex);
    }

    @Test
    void scenario01_oversizedOrMalformedLengthPrefix() {
        assertHealthyConnectionUnaffected(() -> {
            // (a) a prefix claiming 1,000,000 bytes
            assertThat(hostile(hex("c0843d")).errors).singleElement().isInstanceOf(PacketTooLargeException.class)
                    .extracting(Throwable::getMessage).isEqualTo("packet of 1000000 bytes over the maximum of 1034");
            // (b) an 11-byte varint
            assertThat(hostile(hex("ffffffffffffffffffff01")).errors).singleElement()
                    .isInstanceOf(PacketTooLargeException.class)
                    .extracting(Throwable::getMessage).asString().contains("malformed packet length prefix");
        });
        // (c) a valid packet whose prefix arrives one byte per TCP segment decodes normally
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint victim = new Endpoint(pair.server(), CHANNELS, CONFIG);
            RawPeer peer = RawPeer.reading(pair.client());
            byte[] data = new byte[200];
            ByteBuf buf = Unpooled.buffer();
            PacketCodec.writePacketMsg(buf, 0x21, true, data, 0, data.length);
            byte[] wire = ByteBufUtil.getBytes(buf);
            buf.release();
            for (byte b : wire) {
                peer.write(new byte[] {b});
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> victim.count(0x21) == 1);
            assertThat(victim.messages(0x21).get(0)).isEqualTo(data);
            assertThat(victim.errors).isEmpty();
        }
    }

    @Test
    void scenario02_undecodablePacket() {
        assertHealthyConnectionUnaffected(() -> {
            // a wrong wire type for packet_ping (varint instead of a message)
            assertUnknownType(hostile(hex("020801")));
            // an unknown Packet field
            assertUnknownType(hostile(hex("022200")));
            // an empty Packet with no variant
            assertUnknownType(hostile(hex("00")));
            // PacketMsg with a negative channel id (-1 as a 10-byte varint)
            assertThat(hostile(hex("0f1a0d08ffffffffffffffffff011001")).errors).singleElement()
                    .isInstanceOf(UnknownChannelException.class)
                    .extracting(Throwable::getMessage).isEqualTo("channel id -1 out of range");
            // PacketMsg with no channel id: channel 0x00, not registered here
            assertThat(hostile(hex("041a021001")).errors).singleElement()
                    .isInstanceOf(UnknownChannelException.class)
                    .extracting(Throwable::getMessage).isEqualTo("unknown channel 0x00");
            // random bytes within a valid length
            for (int seed = 0; seed < 8; seed++) {
                byte[] garbage = new byte[40];
                new Random(seed).nextBytes(garbage);
                garbage[0] = 39;
                Endpoint victim = hostile(garbage);
                assertThat(victim.errors).as("seed %d", seed).singleElement()
                        .isInstanceOf(UndecodablePacketException.class)
                        .extracting(Throwable::getMessage).asString()
                        .matches(m -> m.startsWith("undecodable packet of 39 bytes") || m.startsWith("unknown packet type"),
                                "says the packet is undecodable or of an unknown type");
                assertThat(victim.received.values()).as("seed %d", seed).allMatch(List::isEmpty);
            }
        });
    }

    private static void assertUnknownType(Endpoint victim) {
        assertThat(victim.errors).singleElement().isInstanceOf(UndecodablePacketException.class)
                .extracting(Throwable::getMessage).asString().contains("unknown packet type");
        assertThat(victim.received.values()).allMatch(List::isEmpty);
    }

    @Test
    void scenario03_unknownOrOutOfRangeChannelId() {
        // 0xff registered too, so that every out-of-range id below has a channel to truncate to
        List<ChannelDescriptor> channels = new ArrayList<>(CHANNELS);
        channels.add(ChannelDescriptor.builder((byte) 0xff).build());
        assertHealthyConnectionUnaffected(() -> {
            assertThat(hostile(channels, packet(0x7f)).errors).singleElement().isInstanceOf(UnknownChannelException.class)
                    .extracting(Throwable::getMessage).isEqualTo("unknown channel 0x7f");
            // each truncates to a registered channel: 257 and 1025 to 0x01, -1 and 2^31-1 to 0xff
            for (long id : new long[] {257, 1025, -1, Integer.MAX_VALUE}) {
                assertThat(channels).as("id %d truncates to a registered channel", id)
                        .anyMatch(c -> c.id() == (byte) id);
                Endpoint victim = hostile(channels, packet(id));
                assertThat(victim.errors).singleElement().isInstanceOf(UnknownChannelException.class)
                        .extracting(Throwable::getMessage).isEqualTo("channel id " + id + " out of range");
                assertThat(victim.received.values()).allMatch(List::isEmpty);
            }
        });
    }

    /** A delimited Packet{PacketMsg{channel_id=id, eof=true, data=[1]}} with any int32 id. */
    private static byte[] packet(long id) {
        ByteBuf inner = Unpooled.buffer();
        inner.writeByte(0x08);
        long v = id;
        while ((v & ~0x7fL) != 0) {
            inner.writeByte((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        inner.writeByte((int) v);
        inner.writeBytes(hex("10011a0101"));
        int innerLen = inner.readableBytes();
        ByteBuf out = Unpooled.buffer();
        out.writeByte(2 + innerLen);
        out.writeByte(0x1a);
        out.writeByte(innerLen);
        out.writeBytes(inner);
        inner.release();
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    @Test
    void scenario04_messageOverTheChannelReceiveCapacity() {
        byte[] a = message(300, 1);
        byte[] b = message(300, 2);
        byte[] c = message(1500, 3); // two packets on 0x22: starts before the oversized message, ends inside it
        byte[] d = message(300, 4);
        byte[] e = message(1500, 5); // two packets on 0x22: starts inside the oversized message, would end after the error
        byte[] f = message(300, 6);
        byte[] exact = message(1 << 20, 7);
        byte[] over = message((1 << 20) + 1, 8);
        int limit = PacketCodec.payloadLimit(0x20, CONFIG.maxPacketMsgPayloadSize());
        // what a peer writes: traffic on 0x21 and 0x22 interleaved with the packets of the two big messages
        ByteBuf wire = Unpooled.buffer();
        writePackets(wire, 0x21, a, 0, a.length);
        writePackets(wire, 0x20, exact, 0, exact.length / 2);
        writePackets(wire, 0x21, b, 0, b.length);
        writePackets(wire, 0x20, exact, exact.length / 2, exact.length);
        writePackets(wire, 0x22, c, 0, limit); // first half of c
        writePackets(wire, 0x20, over, 0, 100 * limit);
        writePackets(wire, 0x21, d, 0, d.length);
        writePackets(wire, 0x22, c, limit, c.length); // c completes
        writePackets(wire, 0x20, over, 100 * limit, 1 << 20); // exactly the capacity so far: accepted
        writePackets(wire, 0x22, e, 0, limit); // first half of e
        writePackets(wire, 0x20, over, 1 << 20, over.length); // one byte over: the error
        writePackets(wire, 0x22, e, limit, e.length); // after the error: never delivered
        writePackets(wire, 0x21, f, 0, f.length);
        byte[] bytes = ByteBufUtil.getBytes(wire);
        wire.release();

        List<ChannelDescriptor> channels = List.of(
                ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20).build(),
                ChannelDescriptor.builder((byte) 0x21).priority(5).build(),
                ChannelDescriptor.builder((byte) 0x22).build());
        assertHealthyConnectionUnaffected(() -> {
            Endpoint victim = hostile(channels, Arrays.copyOfRange(bytes, 0, bytes.length / 3),
                    Arrays.copyOfRange(bytes, bytes.length / 3, bytes.length));
            assertThat(victim.errors).singleElement().isInstanceOf(MessageTooLargeException.class)
                    .extracting(Throwable::getMessage)
                    .isEqualTo("message of at least 1048577 bytes over the channel 0x20 limit of 1048576 bytes");
            // the message of exactly the capacity whole; nothing of the one over it
            assertThat(victim.messages(0x20)).singleElement().isEqualTo(exact);
            // on the other channels, exactly the messages completed before the error, in order;
            // the socket is closed, so nothing can still come after
            assertThat(victim.messages(0x21)).containsExactly(a, b, d);
            assertThat(victim.messages(0x22)).containsExactly(c);
        });
        assertThat(ChannelDescriptor.of((byte) 1, 1).recvMessageCapacity())
                .isEqualTo(ChannelDescriptor.DEFAULT_RECV_MESSAGE_CAPACITY);
    }

    @Test
    void scenario04_realSenderOverTheReceiversCapacityWhileAnotherChannelIsBusy() throws Exception {
        // the sender allows 4 MiB on 0x20, the receiver 1 MiB: a peer with another configuration
        List<ChannelDescriptor> senderChannels = List.of(
                ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(4 << 20).build(),
                ChannelDescriptor.builder((byte) 0x21).priority(5).build());
        List<ChannelDescriptor> receiverChannels = List.of(
                ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20).build(),
                ChannelDescriptor.builder((byte) 0x21).priority(5).build());
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), senderChannels, CONFIG);
            Endpoint receiver = new Endpoint(pair.server(), receiverChannels, CONFIG);
            List<byte[]> sentOther = new CopyOnWriteArrayList<>();
            Thread other = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 200; i++) {
                    byte[] msg = message(2000, 100 + i);
                    if (!sender.connection.send((byte) 0x21, msg)) {
                        return;
                    }
                    sentOther.add(msg);
                }
            });
            byte[] exact = message(1 << 20, 1);
            assertThat(sender.connection.send((byte) 0x20, exact)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.count(0x20) == 1);
            assertThat(sender.connection.send((byte) 0x20, new byte[(1 << 20) + 1])).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.errors.isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> !pair.server().isOpen());
            other.interrupt();
            assertThat(other.join(Duration.ofSeconds(10))).as("the other sender stopped").isTrue();
            assertThat(receiver.messages(0x20)).singleElement().isEqualTo(exact);
            assertThat(receiver.errors).singleElement().isInstanceOf(MessageTooLargeException.class);
            // the other channel got what was sent, in order, byte-exact: a prefix of it, as the
            // error cut the stream somewhere
            List<byte[]> got = receiver.messages(0x21);
            assertThat(got).isNotEmpty();
            assertThat(got.size()).isLessThanOrEqualTo(sentOther.size());
            assertThat(got).containsExactlyElementsOf(sentOther.subList(0, got.size()));
        }
    }

    private static byte[] message(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * Writes {@code message[from, to)} as packets of the largest payload, eof on the packet that
     * ends the message.
     */
    private static void writePackets(ByteBuf out, int channel, byte[] message, int from, int to) {
        int limit = PacketCodec.payloadLimit(channel, CONFIG.maxPacketMsgPayloadSize());
        for (int offset = from; offset < to; offset += limit) {
            int len = Math.min(limit, to - offset);
            PacketCodec.writePacketMsg(out, channel, offset + len == message.length, message, offset, len);
        }
    }

    @Test
    void scenario08_pongTimeout() {
        assertThatThrownBy(() -> CONFIG.withKeepalive(Duration.ofMillis(100), Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be shorter than pingInterval");
        MConnectionConfig config = CONFIG.withKeepalive(Duration.ofMillis(200), Duration.ofMillis(100));
        // the exact moments (the ping at the interval, the end when the timeout passes, once)
        // are asserted on the event loop's clock in MConnectionKeepaliveTest; here, a real socket
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint victim = new Endpoint(pair.server(), CHANNELS, config);
            RawPeer peer = RawPeer.reading(pair.client()); // reads, never writes
            await().atMost(Duration.ofSeconds(5)).until(() -> !victim.errors.isEmpty());
            await().atMost(Duration.ofSeconds(5)).until(() -> !peer.isOpen());
            assertThat(victim.errors).singleElement().isInstanceOf(PongTimeoutException.class)
                    .extracting(Throwable::getMessage).isEqualTo("pong not received within 100ms");
            assertThat(peer.received()).startsWith(PacketCodec.PING);
            assertThat(pair.server().isOpen()).isFalse();
        }
    }

    /** A connection whose client reaches the server through a {@link FaultProxy} set up by {@code faults}. */
    private static LoopbackConnection throughProxy(UnaryOperator<FaultProxy> faults, List<FaultProxy> made) {
        return loopback.connect(target -> {
            FaultProxy proxy = faults.apply(new FaultProxy(loopback.eventLoops(), target));
            made.add(proxy);
            return proxy.start();
        });
    }

    @Test
    void aConnectionResetMidMessageEndsBothEndsOnceAndDeliversNoPartMessage() {
        // 3,000-byte messages take about 3,030 bytes on the wire: the reset falls inside the second
        List<FaultProxy> proxies = new ArrayList<>();
        LoopbackConnection pair = throughProxy(p -> p.cutAfter(FaultProxy.Direction.TO_TARGET, 5_000), proxies);
        try (pair; FaultProxy proxy = proxies.get(0)) {
            Endpoint sender = new Endpoint(pair.client(), CHANNELS, CONFIG);
            Endpoint receiver = new Endpoint(pair.server(), CHANNELS, CONFIG);
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sent.add(message(3_000, i));
                sender.connection.send((byte) 0x20, sent.get(i)); // the last may find the connection gone
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.errors.isEmpty() && !sender.errors.isEmpty());
            assertThat(receiver.messages(0x20)).singleElement().isEqualTo(sent.get(0));
            // each end reports the reset once, and nothing more arrives
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3)).until(() ->
                    receiver.errors.size() == 1 && sender.errors.size() == 1 && receiver.count(0x20) == 1);
            assertThat(pair.client().isOpen()).isFalse();
            assertThat(pair.server().isOpen()).isFalse();
        }
    }

    @Test
    void aPeerThatHangsWithoutClosingIsDroppedByTheKeepaliveOnBothEnds() {
        MConnectionConfig config = CONFIG.withKeepalive(Duration.ofMillis(200), Duration.ofMillis(100));
        List<FaultProxy> proxies = new ArrayList<>();
        LoopbackConnection pair = throughProxy(p -> p, proxies);
        try (pair; FaultProxy proxy = proxies.get(0)) {
            Endpoint a = new Endpoint(pair.client(), CHANNELS, config);
            Endpoint b = new Endpoint(pair.server(), CHANNELS, config);
            byte[] before = message(500, 1);
            assertThat(a.connection.send((byte) 0x21, before)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> b.count(0x21) == 1);
            proxy.freeze(); // both sockets stay open, nothing passes any more
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.errors.isEmpty() && !b.errors.isEmpty());
            for (Endpoint end : List.of(a, b)) {
                assertThat(end.errors).singleElement().isInstanceOf(PongTimeoutException.class);
            }
            assertThat(b.messages(0x21)).singleElement().isEqualTo(before);
        }
    }

    @Test
    void scenario09_peerThatNeverReadsPushesBack() throws Exception {
        MConnectionConfig config = CONFIG.withSendTimeout(Duration.ofMillis(500));
        try (LoopbackConnections small = new LoopbackConnections(64 * 1024); LoopbackConnection stalled = small.connect();
                LoopbackConnection healthy = small.connect()) {
            Endpoint toStalled = new Endpoint(stalled.client(), CHANNELS, config);
            RawPeer.notReading(stalled.server());
            Endpoint toHealthy = new Endpoint(healthy.client(), CHANNELS, config);
            Endpoint healthyPeer = new Endpoint(healthy.server(), CHANNELS, config);
            byte[] mib = new byte[1 << 20];

            // full queue, and the writer stuck on a message the socket cannot take (so nothing
            // more leaves the queue): a full queue alone may still lose its head to the writer
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    !toStalled.connection.trySend((byte) 0x21, mib) && !stalled.client().isWritable());
            long start = System.nanoTime();
            assertThat(toStalled.connection.send((byte) 0x21, mib)).isFalse();
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            // the whole timeout, not less; more only by scheduling delays
            assertThat(waitedMs).isBetween(450L, 3_000L);

            // senders keep blocking on the stalled peer (each giving up after the timeout) ...
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger accepted = new AtomicInteger();
            AtomicBoolean healthyDone = new AtomicBoolean();
            CountDownLatch blocking = new CountDownLatch(1);
            Thread blocked = Thread.ofVirtual().start(() -> {
                blocking.countDown();
                int i = 0;
                do {
                    (toStalled.connection.send((byte) 0x21, mib) ? accepted : refused).incrementAndGet();
                } while (++i < 100 && !healthyDone.get());
            });
            assertThat(blocking.await(10, TimeUnit.SECONDS)).isTrue();
            // ... while the healthy peer on the same event loops still gets everything
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                byte[] msg = new byte[64 * 1024];
                new Random(i).nextBytes(msg);
                sent.add(msg);
                assertThat(toHealthy.connection.send((byte) 0x21, msg)).isTrue();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> healthyPeer.count(0x21) == 20);
            assertThat(healthyPeer.messages(0x21)).containsExactlyElementsOf(sent);
            healthyDone.set(true);
            assertThat(blocked.join(Duration.ofSeconds(10))).isTrue();
            assertThat(accepted.get()).as("sends to the stalled peer that got through").isZero();
            assertThat(refused.get()).isPositive();
            assertThat(stalled.client().isWritable()).as("the stalled peer is still stuck").isFalse();

            // memory held for the stalled peer: the queue plus Netty's bounded outbound buffer
            ConnectionStatus status = toStalled.connection.status();
            assertThat(status.channel(0x21).sendQueueSize()).isLessThanOrEqualTo(1);
            long pending = stalled.client().unsafe().outboundBuffer() == null ? 0
                    : stalled.client().unsafe().outboundBuffer().totalPendingWriteBytes();
            long highWater = stalled.client().config().getWriteBufferHighWaterMark();
            assertThat(pending).isLessThanOrEqualTo(highWater + MConnectionHandler.BATCH_BYTES);
            assertThat(toStalled.errors).isEmpty();
        }
    }

    @Test
    void scenario10_peerSendingFasterThanTheReceiveRateLimit() throws Exception {
        long limit = 512_000;
        List<ChannelDescriptor> channels = List.of(ChannelDescriptor.builder((byte) 0x21).sendQueueCapacity(8).build());
        try (LoopbackConnections small = new LoopbackConnections(32 * 1024); LoopbackConnection pair = small.connect()) {
            Endpoint sender = new Endpoint(pair.client(), channels, CONFIG);
            List<long[]> arrivals = new CopyOnWriteArrayList<>();
            MConnection receiver = MConnection.builder(pair.server()).channels(channels)
                    .config(CONFIG.withRecvRate(limit))
                    .onReceive((id, msg) -> arrivals.add(new long[] {System.nanoTime(), msg.length}))
                    .start();
            long start = System.nanoTime();
            long end = start + Duration.ofMillis(3_200).toNanos();
            Thread pusher = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end && sender.connection.send((byte) 0x21, new byte[8 * 1024])) {
                    // push as fast as the connection takes it
                }
            });
            assertThat(pusher.join(Duration.ofSeconds(30))).isTrue();
            // bytes delivered per 1 s window after the first second
            for (int window = 1; window <= 2; window++) {
                long from = start + window * 1_000_000_000L;
                long to = from + 1_000_000_000L;
                long bytes = arrivals.stream().filter(a -> a[0] >= from && a[0] < to).mapToLong(a -> a[1]).sum();
                assertThat(bytes).as("window %d", window).isLessThanOrEqualTo((long) (limit * 1.1))
                        .isGreaterThan(limit / 2);
            }
            assertThat(sender.errors).isEmpty();
            assertThat(receiver.isRunning()).isTrue();
            receiver.close();
        }
    }

    @Test
    void scenario10_sendRateLimitHoldsTheSender() throws Exception {
        long limit = 512_000;
        List<ChannelDescriptor> channels = List.of(ChannelDescriptor.builder((byte) 0x21).sendQueueCapacity(8).build());
        try (LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), channels, CONFIG.withSendRate(limit));
            Endpoint receiver = new Endpoint(pair.server(), channels, CONFIG);
            long start = System.nanoTime();
            long end = start + Duration.ofMillis(2_200).toNanos();
            Thread pusher = Thread.ofVirtual().start(() -> {
                while (System.nanoTime() < end && sender.connection.send((byte) 0x21, new byte[4 * 1024])) {
                    // push as fast as the connection takes it
                }
            });
            assertThat(pusher.join(Duration.ofSeconds(30))).isTrue();
            long elapsed = System.nanoTime() - start;
            long bytes = sender.connection.status().bytesSent();
            // the bucket allows one burst of a tenth of a second on top of the rate
            assertThat((double) bytes).isLessThanOrEqualTo(limit * (elapsed / 1e9) * 1.1 + limit / 10.0 + 8 * 4096);
            assertThat(receiver.errors).isEmpty();
        }
    }
}
