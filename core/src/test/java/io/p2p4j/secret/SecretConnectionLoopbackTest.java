package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.p2p4j.ChannelDescriptor;
import io.p2p4j.NodeKey;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testkit.Loopback;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SecretConnection over real loopback TCP: both roles, raw data, and MConnection on top. */
class SecretConnectionLoopbackTest {
    private static Loopback loopback;

    @BeforeAll
    static void start() {
        loopback = new Loopback();
    }

    @AfterAll
    static void stop() {
        loopback.close();
    }

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
            var serverInfo = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return secure(pair.server(), acceptor, atServer);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            SecretConnectionInfo clientInfo = secure(pair.client(), dialer, atClient);
            assertThat(clientInfo.remotePublicKey()).isEqualTo(acceptor.publicKey());
            assertThat(serverInfo.get(10, TimeUnit.SECONDS).remotePublicKey()).isEqualTo(dialer.publicKey());

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

    @Test
    void mconnectionTrafficRunsUnchangedOverIt() throws Exception {
        List<ChannelDescriptor> channels = List.of(
                ChannelDescriptor.builder((byte) 0x20).priority(5).sendQueueCapacity(4).build(),
                ChannelDescriptor.builder((byte) 0x30).priority(1).sendQueueCapacity(4).build());
        try (LoopbackConnection pair = loopback.connect()) {
            var server = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    secure(pair.server(), NodeKey.generate(), null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            secure(pair.client(), NodeKey.generate(), null);
            server.get(10, TimeUnit.SECONDS);
            Map<Integer, List<byte[]>> received = new ConcurrentHashMap<>();
            MConnection receiver = MConnection.builder(pair.server()).channels(channels)
                    .config(MConnectionConfig.defaults().unlimited())
                    .onReceive((id, msg) -> received.computeIfAbsent((int) id, k -> new CopyOnWriteArrayList<>()).add(msg))
                    .start();
            MConnection sender = MConnection.builder(pair.client()).channels(channels)
                    .config(MConnectionConfig.defaults().unlimited()).start();
            Random random = new Random(5);
            List<byte[]> sent = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] msg = new byte[random.nextInt(70_000)];
                random.nextBytes(msg);
                sent.add(msg);
                assertThat(sender.send((byte) (i % 2 == 0 ? 0x20 : 0x30), msg)).isTrue();
            }
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    received.getOrDefault(0x20, List.of()).size() == 20 && received.getOrDefault(0x30, List.of()).size() == 20);
            for (int i = 0; i < 40; i++) {
                assertThat(received.get(i % 2 == 0 ? 0x20 : 0x30).get(i / 2)).isEqualTo(sent.get(i));
            }
            sender.close();
            receiver.close();
        }
    }
}
