package io.p2p4j.secret;

import static io.p2p4j.secret.EmbeddedPair.HEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.RawPeer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The ephemeral key message is refused at its first wrong byte, not when the timeout fires
 * (issue 10, item 5), and our own key sent back is refused as soon as it is whole.
 */
class EphemeralKeyMessageTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    /** Bytes of the given hex, padded with zeros to {@code length}. */
    private static byte[] stream(String hexPrefix, int length) {
        return Arrays.copyOf(HEX.parseHex(hexPrefix), Math.max(length, hexPrefix.length() / 2));
    }

    /** Feeds the bytes one at a time and returns how many went in before the handshake failed (or all). */
    private static int feedUntilFailure(EmbeddedChannel channel, SecretConnectionHandshake handshake, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, 1));
            if (handshake.result().isDone()) {
                return i + 1;
            }
        }
        return bytes.length;
    }

    private static String failure(SecretConnectionHandshake handshake) {
        assertThat(handshake.result()).isCompletedExceptionally();
        Throwable e = handshake.result().handle((ok, error) -> error).join();
        assertThat(e).isInstanceOf(SecretConnectionException.class);
        return e.getMessage();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a BytesValue of 0 bytes       | 020a00       | 3  | 1 | length prefix says 2 bytes, expected 34 (a BytesValue of 32 bytes)",
        "an empty message              | 00           | 1  | 1 | length prefix says 0 bytes, expected 34 (a BytesValue of 32 bytes)",
        "a BytesValue of 31 bytes      | 210a1f       | 34 | 1 | length prefix says 33 bytes, expected 34 (a BytesValue of 32 bytes)",
        "a BytesValue of 33 bytes      | 230a21       | 36 | 1 | length prefix says 35 bytes, expected 34 (a BytesValue of 32 bytes)",
        "a length prefix of 128        | 8001         | 35 | 1 | length prefix says more than 127 bytes, expected 34 (a BytesValue of 32 bytes)",
        "field 2 instead of field 1    | 221220       | 35 | 2 | not a BytesValue: field tag 0x12 where 0x0a (field 1, bytes) belongs",
        "a varint field                | 2208         | 35 | 2 | not a BytesValue: field tag 0x08 where 0x0a (field 1, bytes) belongs",
        "31 bytes in a 34-byte message | 220a1f       | 35 | 3 | a BytesValue of 31 bytes, expected 32",
        "an inner length over 127      | 220a80       | 35 | 3 | a BytesValue of more than 127 bytes, expected 32",
    })
    void aMalformedEphemeralKeyMessageIsRefusedAtItsFirstWrongByte(String what, String prefix, int length,
            int refusedAfter, String reason) {
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(EmbeddedPair.KEY_B, TIMEOUT, EmbeddedPair.EPH_B);
        EmbeddedChannel channel = new EmbeddedChannel(handshake);
        EmbeddedPair.drain(channel); // our own ephemeral key
        int fed = feedUntilFailure(channel, handshake, stream(prefix, length));
        assertThat(handshake.result()).as("%s refused", what).isDone();
        assertThat(fed).as("bytes read before %s was refused", what).isEqualTo(refusedAfter);
        assertThat(failure(handshake)).isEqualTo("malformed ephemeral key message: " + reason);
        assertThat(EmbeddedPair.drain(channel)).as("nothing sent after our ephemeral key").isEmpty();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void ourOwnEphemeralKeySentBackIsRefusedAsSoonAsItIsWhole() {
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(EmbeddedPair.KEY_B, TIMEOUT, EmbeddedPair.EPH_B);
        EmbeddedChannel channel = new EmbeddedChannel(handshake);
        byte[] ours = EmbeddedPair.drain(channel);
        assertThat(ours).hasSize(35);
        assertThat(feedUntilFailure(channel, handshake, ours)).isEqualTo(35);
        assertThat(failure(handshake)).isEqualTo("remote ephemeral key equals ours");
        assertThat(EmbeddedPair.drain(channel)).as("nothing signed or sent").isEmpty();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void overLoopbackBothAreRefusedLongBeforeTheTimeout() {
        try (LoopbackConnections loopback = new LoopbackConnections()) {
            // a BytesValue of 0 bytes: three bytes, and then the peer waits
            try (LoopbackConnection pair = loopback.connect()) {
                long start = System.nanoTime();
                SecretConnectionHandshake handshake = new SecretConnectionHandshake(EmbeddedPair.KEY_B, TIMEOUT);
                pair.server().eventLoop().execute(() -> pair.server().pipeline().addLast(handshake));
                RawPeer.reading(pair.client()).writeHex("020a00");
                await().atMost(TIMEOUT.dividedBy(2)).until(() -> !pair.client().isOpen());
                assertThat(failure(handshake)).startsWith("malformed ephemeral key message: length prefix says 2 bytes");
                System.out.printf("0-byte BytesValue refused in %.1f ms (timeout %d ms)%n",
                        (System.nanoTime() - start) / 1e6, TIMEOUT.toMillis());
            }
            // a peer that sends our own key back
            try (LoopbackConnection pair = loopback.connect()) {
                long start = System.nanoTime();
                SecretConnectionHandshake handshake = new SecretConnectionHandshake(EmbeddedPair.KEY_B, TIMEOUT);
                RawPeer peer = RawPeer.reading(pair.client());
                pair.server().eventLoop().execute(() -> pair.server().pipeline().addLast(handshake));
                await().atMost(TIMEOUT).until(() -> peer.received().length >= 35);
                peer.write(Arrays.copyOf(peer.received(), 35));
                await().atMost(TIMEOUT.dividedBy(2)).until(() -> !pair.client().isOpen());
                assertThat(failure(handshake)).isEqualTo("remote ephemeral key equals ours");
                assertThat(peer.received()).as("nothing signed or sent").hasSize(35);
                System.out.printf("reflected key refused in %.1f ms (timeout %d ms)%n",
                        (System.nanoTime() - start) / 1e6, TIMEOUT.toMillis());
            }
        }
    }
}
