package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnection;
import io.p2p4j.conn.MConnectionConfig;
import io.p2p4j.crypto.FrameCipher;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testkit.Loopback;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Sealed frames with no data are legal, and each costs the receiver a whole frame's decryption:
 * over real sockets, a peer flooding them is slowed by the receive rate limit as data is (the
 * limit counts the frames' bytes on the wire), where it used to be read and opened as fast as it
 * came, since only the plaintext reaching the MConnection was counted.
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
        byte[] flood = new byte[frames * FrameCipher.SEALED_SIZE];
        for (int i = 0; i < frames; i++) {
            emptyFrame(i + 1, flood, i * FrameCipher.SEALED_SIZE); // counter 0 was the auth frame
        }
        try (Loopback loopback = new Loopback(32 * 1024); LoopbackConnection pair = loopback.connect()) {
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
            SecretConnectionHandshake atVictim = new SecretConnectionHandshake(EmbeddedPair.KEY_B, Duration.ofSeconds(5),
                    EmbeddedPair.EPH_B);
            SecretConnectionHandshake atAttacker = new SecretConnectionHandshake(EmbeddedPair.KEY_A,
                    Duration.ofSeconds(5), EmbeddedPair.EPH_A);
            victim.eventLoop().submit(() -> victim.pipeline().addLast(atVictim)).sync();
            attacker.eventLoop().submit(() -> attacker.pipeline().addLast(atAttacker)).sync();
            atVictim.result().get(10, TimeUnit.SECONDS);
            atAttacker.result().get(10, TimeUnit.SECONDS);

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
}
