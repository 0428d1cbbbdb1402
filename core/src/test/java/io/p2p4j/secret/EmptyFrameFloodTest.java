package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.crypto.FrameCipher;
import io.p2p4j.crypto.X25519Keys;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Sealed frames with no data are legal, and each costs the receiver a whole frame's decryption:
 * over real sockets, a peer flooding them once its connection is set up is slowed by the receive
 * rate limit as data is (the limit counts the frames' bytes on the wire), where it used to be read
 * and opened as fast as it came, since only the plaintext reaching the MConnection was counted.
 * Before that (the auth signature, the NodeInfo exchange) no rate limit applies and no data bound
 * fills, so a connection sending more than a few ends at once, where it used to be read and opened
 * at full speed until the handshake timeout.
 */
class EmptyFrameFloodTest {

    /** A frame from A (the vectors' keys) with this counter and no data, its padding nonzero. */
    private static void emptyFrame(long counter, byte[] out, int offset) throws Exception {
        FrameCipher cipher = FrameCipher.startingAt(EmbeddedPair.A_SEND_KEY, true, counter);
        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
        java.util.Arrays.fill(plain, 4, plain.length, (byte) 0x5a); // length 0, then padding
        cipher.seal(plain, 0, out, offset);
    }

    @Test
    void aFloodOfEmptyFramesIsSlowedByTheReceiveRateLikeData() throws Exception {
        long rate = 100_000;
        int frames = 3_000; // 3,132,000 bytes on the wire, no data at all
        byte[] flood = flood(frames, 1); // counter 0 was the auth frame
        try (LoopbackConnections loopback = new LoopbackConnections(32 * 1024); LoopbackConnection pair = loopback.connect()) {
            Channel attacker = pair.client();
            Channel victim = pair.server();
            AtomicLong read = new AtomicLong();
            victim.eventLoop().submit(() -> victim.pipeline().addFirst("count", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof ByteBuf buf) {
                        read.addAndGet(buf.readableBytes());
                    }
                    ctx.fireChannelRead(msg);
                }
            })).sync();
            handshake(attacker, victim);

            // what the transport's NodeInfo stage does once the peer's NodeInfo is read
            victim.eventLoop().submit(() -> SecretConnectionHandshake.connectionSetUp(victim.pipeline())).sync();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            MConnection connection = MConnection.builder(victim).channel(ChannelDescriptor.of((byte) 0x20, 1))
                    .config(MConnectionConfig.defaults().withRecvRate(rate)).onError(errors::add).start();
            long readBefore = read.get();
            long start = System.nanoTime();
            // past the attacker's own sealer (which never sends an empty frame): the frames as they are
            attacker.eventLoop().execute(() -> attacker.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(flood)));
            LockSupport.parkNanos(Duration.ofMillis(1_500).toNanos());
            double seconds = (System.nanoTime() - start) / 1e9;
            long wire = read.get() - readBefore;
            System.out.printf("%d empty frames (%d bytes) sent at once, receive rate %d B/s: %d bytes read in %.2f s%n",
                    frames, flood.length, rate, wire, seconds);

            // the rate, a tenth of a second's burst, and what the socket buffers and one read hold
            assertThat(wire).as("bytes of empty frames read and opened in %.2f s", seconds)
                    .isLessThanOrEqualTo((long) (rate * seconds) + rate / 10 + 256 * 1024)
                    .isLessThan(flood.length / 4);
            assertThat(wire).as("still read, at the rate").isGreaterThan(rate / 2);
            assertThat(errors).as("empty frames are legal").isEmpty();
            assertThat(connection.isRunning()).isTrue();
            connection.close();
        }
    }

    /** The SecretConnection handshake of the vectors: A the attacker, B the victim. */
    private static void handshake(Channel attacker, Channel victim) throws Exception {
        SecretConnectionHandshake atVictim = new SecretConnectionHandshake(EmbeddedPair.KEY_B, Duration.ofSeconds(60),
                EmbeddedPair.EPH_B);
        SecretConnectionHandshake atAttacker = new SecretConnectionHandshake(EmbeddedPair.KEY_A,
                Duration.ofSeconds(60), EmbeddedPair.EPH_A);
        victim.eventLoop().submit(() -> victim.pipeline().addLast(atVictim)).sync();
        attacker.eventLoop().submit(() -> attacker.pipeline().addLast(atAttacker)).sync();
        atVictim.result().get(10, TimeUnit.SECONDS);
        atAttacker.result().get(10, TimeUnit.SECONDS);
    }

    /** {@code frames} empty frames of A's sending key, the first with counter {@code firstCounter}. */
    private static byte[] flood(int frames, long firstCounter) throws Exception {
        byte[] flood = new byte[frames * FrameCipher.SEALED_SIZE];
        for (int i = 0; i < frames; i++) {
            emptyFrame(firstCounter + i, flood, i * FrameCipher.SEALED_SIZE);
        }
        return flood;
    }

    @Test
    void emptyFramesInsteadOfTheAuthSignatureEndTheHandshakeAtOnce() throws Exception {
        byte[] flood = flood(3_000, 0); // where the auth signature frame (counter 0) belongs
        try (LoopbackConnections loopback = new LoopbackConnections(32 * 1024); LoopbackConnection pair = loopback.connect()) {
            Channel attacker = pair.client();
            Channel victim = pair.server();
            SecretConnectionHandshake atVictim = new SecretConnectionHandshake(EmbeddedPair.KEY_B, Duration.ofSeconds(60),
                    EmbeddedPair.EPH_B);
            victim.eventLoop().submit(() -> victim.pipeline().addLast(atVictim)).sync();
            byte[] ephemeral = new byte[35];
            ephemeral[0] = 0x22;
            ephemeral[1] = 0x0a;
            ephemeral[2] = 0x20;
            System.arraycopy(X25519Keys.publicKey(EmbeddedPair.EPH_A), 0, ephemeral, 3, 32);
            attacker.writeAndFlush(Unpooled.wrappedBuffer(ephemeral, flood)); // fails once the victim closes

            // well inside the 60 s handshake timeout, which used to be the only end of it
            assertThatThrownBy(() -> atVictim.result().get(20, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SecretConnectionException.class)
                    .hasMessageContaining("more than " + SetupEmptyFrames.ALLOWED + " frames without data");
            await().atMost(Duration.ofSeconds(10)).until(() -> !victim.isOpen());
        }
    }

    @Test
    void emptyFramesDuringTheNodeInfoExchangeEndTheConnectionAtOnce() throws Exception {
        byte[] flood = flood(3_000, 1); // counter 0 was the auth frame
        try (LoopbackConnections loopback = new LoopbackConnections(32 * 1024); LoopbackConnection pair = loopback.connect()) {
            Channel attacker = pair.client();
            Channel victim = pair.server();
            handshake(attacker, victim);
            AtomicLong opened = new AtomicLong();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            victim.eventLoop().submit(() -> {
                // a stage reading the peer's NodeInfo: reading on, the data (none here) kept
                victim.pipeline().addLast("nodeinfo", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        opened.addAndGet(((ByteBuf) msg).readableBytes());
                        ((ByteBuf) msg).release();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        errors.add(cause);
                    }
                });
                victim.config().setAutoRead(true);
            }).sync();

            attacker.eventLoop().execute(() -> attacker.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(flood)));

            await().atMost(Duration.ofSeconds(20)).until(() -> !victim.isOpen());
            assertThat(errors).singleElement().asString().contains("more than " + SetupEmptyFrames.ALLOWED
                    + " frames without data before the connection was set up");
            assertThat(opened.get()).isZero();
        }
    }
}
