package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.conn.MConnectionException.PacketTooLargeException;
import io.p2p4j.crypto.FrameCipher;
import io.p2p4j.proto.Packet;
import io.p2p4j.proto.PacketMsg;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.FaultProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SecretConnection over real loopback TCP: both roles, raw data, and MConnection on top. */
class SecretConnectionLoopbackTest {
    /** The loopback connections of each test, closed after it. */
    @RegisterExtension
    static final LoopbackConnections loopback = new LoopbackConnections();

    /** Collects the plaintext bytes a secured channel receives. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            synchronized (bytes) {
                bytes.writeBytes(ByteBufUtil.getBytes(buf));
            }
            buf.release();
        }

        int size() {
            synchronized (bytes) {
                return bytes.size();
            }
        }

        byte[] get() {
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }
    }

    private static SecretConnectionInfo secure(Channel channel, NodeKey key, ChannelInboundHandlerAdapter next)
            throws Exception {
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(key, Duration.ofSeconds(3));
        channel.eventLoop().submit(() -> {
            if (next != null) {
                channel.pipeline().addLast("next", next).addBefore("next", "handshake", handshake); // next stage first
            } else {
                channel.pipeline().addLast(handshake);
            }
        }).sync();
        return handshake.result().get(10, TimeUnit.SECONDS);
    }

    @Test
    void bothRolesLearnEachOthersKeyAndExchangeDataOfEverySize() throws Exception {
        NodeKey dialer = NodeKey.generate();
        NodeKey acceptor = NodeKey.generate();
        try (LoopbackConnection pair = loopback.connect()) {
            Sink atServer = new Sink();
            Sink atClient = new Sink();
            SecretConnectionInfo[] infos = secureBoth(pair, dialer, atClient, acceptor, atServer);
            assertThat(infos[0].remotePublicKey()).isEqualTo(acceptor.publicKey());
            assertThat(infos[1].remotePublicKey()).isEqualTo(dialer.publicKey());

            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            Random random = new Random(3);
            for (int size : new int[] {0, 1, 1023, 1024, 1025, 4096, 1 << 20}) {
                byte[] data = new byte[size];
                random.nextBytes(data);
                expected.writeBytes(data);
                pair.client().writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
                pair.server().writeAndFlush(Unpooled.wrappedBuffer(data)).sync();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> atServer.size() == expected.size() && atClient.size() == expected.size());
            assertThat(atServer.get()).isEqualTo(expected.toByteArray());
            assertThat(atClient.get()).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void cometBftFuzzCorpusRoundTrips() throws Exception {
        try (LoopbackConnection pair = loopback.connect()) {
            Sink atServer = new Sink();
            var server = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    secure(pair.server(), NodeKey.generate(), atServer);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            secure(pair.client(), NodeKey.generate(), null);
            server.get(10, TimeUnit.SECONDS);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            int count = 0;
            try (var listing = java.nio.file.Files.list(java.nio.file.Path.of(getClass()
                    .getResource("/vectors/cometbft-v0.38.25/test/fuzz/FuzzP2PSecretConnection").toURI()))) {
                for (java.nio.file.Path file : listing.sorted().toList()) {
                    byte[] input = corpusInput(file);
                    expected.writeBytes(input);
                    count++;
                    pair.client().writeAndFlush(Unpooled.wrappedBuffer(input)).sync();
                }
            }
            assertThat(count).isEqualTo(7);
            await().atMost(Duration.ofSeconds(10)).until(() -> atServer.size() == expected.size());
            assertThat(new String(atServer.get(), StandardCharsets.UTF_8)).isEqualTo(expected.toString(StandardCharsets.UTF_8));
        }
    }

    /** Reads a Go fuzz corpus file: line 2 is {@code []byte("...")} with a Go-quoted string. */
    static byte[] corpusInput(java.nio.file.Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String line = text.lines().skip(1).findFirst().orElseThrow();
            String quoted = line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
            return quoted.replace("\\\"", "\"").replace("\\\\", "\\").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** One end of an MConnection over a SecretConnection: the key it learned and what it received. */
    private static final class SecureEnd {
        final NodeKey key = NodeKey.generate();
        final Map<Integer, List<byte[]>> received = new ConcurrentHashMap<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        SecretConnectionInfo info;
        MConnection connection;

        List<byte[]> messages(int channel) {
            return received.computeIfAbsent(channel, k -> new CopyOnWriteArrayList<>());
        }

        void start(Channel channel, List<ChannelDescriptor> channels) {
            connection = MConnection.builder(channel).channels(channels)
                    .config(MConnectionConfig.defaults().unlimited())
                    .onReceive((id, msg) -> messages(Byte.toUnsignedInt(id)).add(msg))
                    .onError(errors::add)
                    .start();
        }
    }

    /** Runs the handshake on both ends of {@code pair} at once; the client's info, then the server's. */
    private static SecretConnectionInfo[] secureBoth(LoopbackConnection pair, NodeKey clientKey,
            ChannelInboundHandlerAdapter clientNext, NodeKey serverKey, ChannelInboundHandlerAdapter serverNext)
            throws Exception {
        var serverInfo = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return secure(pair.server(), serverKey, serverNext);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        SecretConnectionInfo clientInfo = secure(pair.client(), clientKey, clientNext);
        return new SecretConnectionInfo[] {clientInfo, serverInfo.get(10, TimeUnit.SECONDS)};
    }

    /**
     * Runs the handshake on both ends of {@code pair} at once, then starts an MConnection on
     * each (both before either sends, so nothing reaches a pipeline without its MConnection).
     * Returns the client's end and the server's end.
     */
    private static SecureEnd[] secureMConnections(LoopbackConnection pair, List<ChannelDescriptor> channels)
            throws Exception {
        SecureEnd client = new SecureEnd();
        SecureEnd server = new SecureEnd();
        SecretConnectionInfo[] infos = secureBoth(pair, client.key, null, server.key, null);
        client.info = infos[0];
        server.info = infos[1];
        client.start(pair.client(), channels);
        server.start(pair.server(), channels);
        return new SecureEnd[] {client, server};
    }

    /**
     * Scenario 1 over SecretConnection: the hostile end completes the handshake, then its raw
     * bytes go out sealed; the victim's MConnection sees them after the frames are opened.
     */
    @Test
    void scenario01_malformedLengthPrefixesOverSecretConnection() throws Exception {
        // (a) a prefix claiming 1,000,000 bytes, (b) an 11-byte varint: refused from the prefix alone
        String[][] cases = {{"c0843d", "packet of 1000000 bytes over the maximum of 1034"},
                {"ffffffffffffffffffff01", "malformed packet length prefix"}};
        for (String[] c : cases) {
            try (LoopbackConnection pair = loopback.connect()) {
                SecureEnd victim = secureVictim(pair);
                pair.client().writeAndFlush(Unpooled.wrappedBuffer(HexFormat.of().parseHex(c[0]))).sync();
                await().atMost(Duration.ofSeconds(10)).until(() -> !victim.errors.isEmpty());
                assertThat(victim.errors).singleElement()
                        .isInstanceOf(PacketTooLargeException.class)
                        .extracting(Throwable::getMessage).asString().contains(c[1]);
                await().atMost(Duration.ofSeconds(10)).until(() -> !pair.server().isOpen());
                assertThat(victim.received.values()).allMatch(List::isEmpty);
            }
        }
        // (c) a valid packet written a byte at a time arrives in 1-byte frames and decodes normally
        try (LoopbackConnection pair = loopback.connect()) {
            SecureEnd victim = secureVictim(pair);
            byte[] data = new byte[200];
            new Random(1).nextBytes(data);
            ByteArrayOutputStream delimited = new ByteArrayOutputStream();
            Packet.newBuilder().setPacketMsg(PacketMsg.newBuilder().setChannelId(0x20)
                    .setEof(true).setData(ByteString.copyFrom(data))).build().writeDelimitedTo(delimited);
            byte[] wire = delimited.toByteArray();
            for (byte b : wire) {
                pair.client().writeAndFlush(Unpooled.wrappedBuffer(new byte[] {b})).sync();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> victim.messages(0x20).size() == 1);
            assertThat(victim.messages(0x20).get(0)).isEqualTo(data);
            assertThat(victim.errors).isEmpty();
        }
    }

    /** Secures both ends of {@code pair} and starts an MConnection on the server end only. */
    private static SecureEnd secureVictim(LoopbackConnection pair) throws Exception {
        SecureEnd victim = new SecureEnd();
        // the hostile end reads and drops what comes
        victim.info = secureBoth(pair, NodeKey.generate(), new Sink(), victim.key, null)[1];
        victim.start(pair.server(), MCONN_CHANNELS);
        return victim;
    }

    private static final List<ChannelDescriptor> MCONN_CHANNELS = List.of(
            ChannelDescriptor.builder((byte) 0x20).priority(5).sendQueueCapacity(4).build(),
            ChannelDescriptor.builder((byte) 0x30).priority(1).sendQueueCapacity(4).build());

    @Test
    void mconnectionTrafficRunsUnchangedOverItBothWaysAndEachSideLearnsTheOthersKey() throws Exception {
        try (LoopbackConnection pair = loopback.connect()) {
            SecureEnd[] ends = secureMConnections(pair, MCONN_CHANNELS);
            assertThat(ends[0].info.remotePublicKey()).isEqualTo(ends[1].key.publicKey());
            assertThat(ends[1].info.remotePublicKey()).isEqualTo(ends[0].key.publicKey());
            Random random = new Random(5);
            List<List<byte[]>> sent = List.of(new ArrayList<>(), new ArrayList<>());
            List<Thread> senders = new ArrayList<>();
            List<String> refusedSends = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int side = 0; side < 2; side++) {
                List<byte[]> plan = sent.get(side);
                for (int i = 0; i < 40; i++) {
                    byte[] msg = new byte[random.nextInt(70_000)];
                    random.nextBytes(msg);
                    plan.add(msg);
                }
                MConnection from = ends[side].connection;
                int fromSide = side;
                senders.add(Thread.ofVirtual().start(() -> { // both directions at once
                    for (int i = 0; i < plan.size(); i++) {
                        if (!from.send((byte) (i % 2 == 0 ? 0x20 : 0x30), plan.get(i))) {
                            refusedSends.add("side " + fromSide + " message " + i);
                        }
                    }
                }));
            }
            for (Thread sender : senders) {
                assertThat(sender.join(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(refusedSends).as("sends that did not queue").isEmpty();
            for (int side = 0; side < 2; side++) {
                SecureEnd to = ends[1 - side];
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        to.messages(0x20).size() == 20 && to.messages(0x30).size() == 20);
                for (int i = 0; i < 40; i++) {
                    assertThat(to.messages(i % 2 == 0 ? 0x20 : 0x30).get(i / 2)).as("side %d message %d", side, i)
                            .isEqualTo(sent.get(side).get(i));
                }
            }
            assertThat(ends[0].errors).isEmpty();
            assertThat(ends[1].errors).isEmpty();
            ends[0].connection.close();
            ends[1].connection.close();
        }
    }

    @Test
    void scenario13_aBitFlippedInAnEstablishedFrameOnTheWireEndsTheConnectionAndDeliversNothingAfter()
            throws Exception {
        // client to server: the 35-byte ephemeral key message, the auth frame, then one frame per
        // message below (each is sent only once the one before it arrived); flip a bit of frame 5
        int tampered = 5;
        long offset = 35 + (long) FrameCipher.SEALED_SIZE * (1 + tampered) + 200;
        List<FaultProxy> proxies = new ArrayList<>();
        LoopbackConnection pair = loopback.connect(target -> {
            FaultProxy proxy = new FaultProxy(loopback.eventLoops(), target)
                    .flipBit(FaultProxy.Direction.TO_TARGET, offset, 3);
            proxies.add(proxy);
            return proxy.start();
        });
        try (pair; FaultProxy proxy = proxies.get(0)) {
            SecureEnd[] ends = secureMConnections(pair, MCONN_CHANNELS);
            SecureEnd client = ends[0];
            SecureEnd server = ends[1];
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < tampered; i++) {
                byte[] msg = new byte[100];
                new Random(i).nextBytes(msg);
                sent.add(msg);
                assertThat(client.connection.send((byte) 0x20, msg)).isTrue();
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(10)).until(() -> server.messages(0x20).size() == expected);
                // the untouched direction carries traffic too
                assertThat(server.connection.send((byte) 0x30, msg)).isTrue();
            }
            for (int i = tampered; i < tampered + 5; i++) {
                byte[] msg = new byte[100];
                new Random(i).nextBytes(msg);
                client.connection.send((byte) 0x20, msg); // may fail once the server has hung up
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !server.errors.isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> !pair.server().isOpen() && !client.connection.isRunning());
            assertThat(server.errors).singleElement()
                    .satisfies(e -> assertThat(e).hasMessageContaining("frame authentication failed")
                            .hasCauseInstanceOf(SecretConnectionException.class)
                            .hasRootCauseInstanceOf(javax.crypto.AEADBadTagException.class));
            assertThat(server.connection.isRunning()).isFalse();
            // the messages before the tampered frame, exactly; nothing from it or after it
            assertThat(server.messages(0x20)).containsExactlyElementsOf(sent);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.messages(0x30).size() == tampered);
            assertThat(client.messages(0x30)).containsExactlyElementsOf(sent);
        }
    }
}
