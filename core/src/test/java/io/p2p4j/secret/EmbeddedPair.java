package io.p2p4j.secret;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.testkit.Vectors;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.UnaryOperator;

/**
 * Two SecretConnection handshakes on embedded channels, with the fixed keys of
 * secret-connection-handshake.json, and the bytes between them moved by hand so a test can
 * change them on the way.
 */
final class EmbeddedPair implements AutoCloseable {
    static final HexFormat HEX = HexFormat.of();
    static final JsonNode V = Vectors.json("secret-connection-handshake.json");
    static final NodeKey KEY_A = NodeKey.fromSeed(HEX.parseHex(V.get("inputs").get("A").get("ed25519_seed_hex").asText()));
    static final NodeKey KEY_B = NodeKey.fromSeed(HEX.parseHex(V.get("inputs").get("B").get("ed25519_seed_hex").asText()));
    static final byte[] EPH_A = HEX.parseHex(V.get("inputs").get("A").get("x25519_ephemeral_private_hex").asText());
    static final byte[] EPH_B = HEX.parseHex(V.get("inputs").get("B").get("x25519_ephemeral_private_hex").asText());
    /** A's send key (= B's receive key) from the vectors. */
    static final byte[] A_SEND_KEY = HEX.parseHex(V.get("A").get("send_key_hex").asText());
    static final byte[] B_SEND_KEY = HEX.parseHex(V.get("B").get("send_key_hex").asText());
    static final byte[] CHALLENGE = HEX.parseHex(V.get("shared").get("challenge_hex").asText());

    final SecretConnectionHandshake handshakeA;
    final SecretConnectionHandshake handshakeB;
    final EmbeddedChannel a;
    final EmbeddedChannel b;

    EmbeddedPair() {
        this(Duration.ofSeconds(3));
    }

    EmbeddedPair(Duration timeout) {
        handshakeA = new SecretConnectionHandshake(KEY_A, timeout, EPH_A);
        handshakeB = new SecretConnectionHandshake(KEY_B, timeout, EPH_B);
        a = new EmbeddedChannel(handshakeA);
        b = new EmbeddedChannel(handshakeB);
    }

    /** Only B runs the real handshake; the test plays A by hand. */
    static EmbeddedPair honestBOnly() {
        EmbeddedPair pair = new EmbeddedPair();
        pair.a.finishAndReleaseAll();
        return pair;
    }

    /** Moves bytes both ways until neither side writes more; {@code aToB} may change A's bytes. */
    void shuttle(UnaryOperator<byte[]> aToB) {
        for (int round = 0; round < 10; round++) {
            byte[] fromA = drain(a);
            byte[] fromB = drain(b);
            if (fromA.length == 0 && fromB.length == 0) {
                return;
            }
            if (fromA.length > 0 && b.isOpen()) {
                b.writeInbound(Unpooled.wrappedBuffer(aToB.apply(fromA)));
            }
            if (fromB.length > 0 && a.isOpen()) {
                a.writeInbound(Unpooled.wrappedBuffer(fromB));
            }
        }
    }

    static byte[] drain(EmbeddedChannel channel) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return out.toByteArray();
    }

    /** Everything B passed on after the handshake, as bytes. */
    byte[] receivedByB() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = b.readInbound()) != null; ) {
            if (msg instanceof ByteBuf buf) {
                out.writeBytes(ByteBufUtil.getBytes(buf));
                buf.release();
            }
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
    }
}
