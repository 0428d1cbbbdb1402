package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.identity.NodeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.testkit.Vectors;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The whole derived handshake of secret-connection-handshake.json, reproduced byte for byte. */
class SecretConnectionVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final JsonNode V = Vectors.json("secret-connection-handshake.json");

    private static String hex(JsonNode node, String field) {
        return node.get(field).asText();
    }

    @Test
    void derivedKeysAndChallengeMatch() throws Exception {
        JsonNode a = V.get("A");
        JsonNode b = V.get("B");
        JsonNode shared = V.get("shared");
        byte[] aPriv = HEX.parseHex(hex(V.get("inputs").get("A"), "x25519_ephemeral_private_hex"));
        byte[] bPriv = HEX.parseHex(hex(V.get("inputs").get("B"), "x25519_ephemeral_private_hex"));
        byte[] aPub = io.p2p4j.crypto.X25519Keys.publicKey(aPriv);
        byte[] bPub = io.p2p4j.crypto.X25519Keys.publicKey(bPriv);
        assertThat(HEX.formatHex(aPub)).isEqualTo(hex(a, "eph_pub_hex"));
        assertThat(HEX.formatHex(bPub)).isEqualTo(hex(b, "eph_pub_hex"));
        HandshakeKeys ka = HandshakeKeys.derive(aPriv, aPub, bPub);
        HandshakeKeys kb = HandshakeKeys.derive(bPriv, bPub, aPub);
        assertThat(HEX.formatHex(ka.sharedSecret())).isEqualTo(hex(shared, "dh_secret_hex"));
        assertThat(HEX.formatHex(ka.challenge())).isEqualTo(hex(shared, "challenge_hex")).isEqualTo(HEX.formatHex(kb.challenge()));
        assertThat(ka.localIsLeast()).isEqualTo(a.get("loc_is_least").asBoolean());
        assertThat(kb.localIsLeast()).isEqualTo(b.get("loc_is_least").asBoolean());
        assertThat(HEX.formatHex(ka.recvKey())).isEqualTo(hex(a, "recv_key_hex"));
        assertThat(HEX.formatHex(ka.sendKey())).isEqualTo(hex(a, "send_key_hex"));
        assertThat(HEX.formatHex(kb.recvKey())).isEqualTo(hex(b, "recv_key_hex"));
        assertThat(HEX.formatHex(kb.sendKey())).isEqualTo(hex(b, "send_key_hex"));
        byte[] okm = io.p2p4j.crypto.Hkdf.sha256(ka.sharedSecret(), null,
                SecretConnectionHandshake.HKDF_INFO.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 96);
        assertThat(HEX.formatHex(okm)).isEqualTo(hex(shared, "hkdf_okm_96_hex"));
        NodeKey keyA = NodeKey.fromSeed(HEX.parseHex(hex(V.get("inputs").get("A"), "ed25519_seed_hex")));
        assertThat(HEX.formatHex(keyA.sign(ka.challenge()))).isEqualTo(hex(a, "signature_over_challenge_hex"));
    }

    @Test
    void handshakeOverEmbeddedChannelsProducesTheExactWireBytes() {
        NodeKey keyA = NodeKey.fromSeed(HEX.parseHex(hex(V.get("inputs").get("A"), "ed25519_seed_hex")));
        NodeKey keyB = NodeKey.fromSeed(HEX.parseHex(hex(V.get("inputs").get("B"), "ed25519_seed_hex")));
        SecretConnectionHandshake ha = new SecretConnectionHandshake(keyA, Duration.ofSeconds(3),
                HEX.parseHex(hex(V.get("inputs").get("A"), "x25519_ephemeral_private_hex")));
        SecretConnectionHandshake hb = new SecretConnectionHandshake(keyB, Duration.ofSeconds(3),
                HEX.parseHex(hex(V.get("inputs").get("B"), "x25519_ephemeral_private_hex")));
        EmbeddedChannel a = new EmbeddedChannel(ha);
        EmbeddedChannel b = new EmbeddedChannel(hb);
        try {
            String aEph = drainHex(a);
            String bEph = drainHex(b);
            assertThat(aEph).isEqualTo(hex(V.get("A"), "wire_eph_msg_hex"));
            assertThat(bEph).isEqualTo(hex(V.get("B"), "wire_eph_msg_hex"));
            b.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(aEph)));
            a.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(bEph)));
            String aFrame0 = drainHex(a);
            String bFrame0 = drainHex(b);
            assertThat(aFrame0).isEqualTo(hex(V.get("A"), "frame0_sealed_hex"));
            assertThat(bFrame0).isEqualTo(hex(V.get("B"), "frame0_sealed_hex"));
            b.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(aFrame0)));
            a.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(bFrame0)));
            assertThat(ha.result()).isCompleted();
            assertThat(hb.result()).isCompleted();
            assertThat(ha.result().join().remotePublicKey()).isEqualTo(keyB.publicKey());
            assertThat(hb.result().join().remotePublicKey()).isEqualTo(keyA.publicKey());
            assertThat(a.pipeline().get(SecretConnectionHandshake.class)).isNull();

            JsonNode nodeInfo = V.get("after_handshake_A_sends").get(0);
            a.writeOutbound(Unpooled.wrappedBuffer(HEX.parseHex(hex(nodeInfo, "plaintext_hex"))));
            String frame1 = drainHex(a);
            assertThat(frame1).isEqualTo(hex(nodeInfo, "frame1_sealed_hex"));
            byte[] big = new byte[1500];
            Arrays.fill(big, (byte) 0xab);
            a.writeOutbound(Unpooled.wrappedBuffer(big));
            String frames23 = drainHex(a);
            JsonNode write = V.get("after_handshake_A_sends").get(1);
            assertThat(frames23).isEqualTo(hex(write, "frame2_sealed_hex") + hex(write, "frame3_sealed_hex"));

            // B opens them: the NodeInfo bytes, then the 1500 bytes (possibly in one buffer)
            b.writeInbound(Unpooled.wrappedBuffer(HEX.parseHex(frame1 + frames23)));
            ByteBuf received = Unpooled.buffer();
            for (ByteBuf in; (in = b.readInbound()) != null; ) {
                received.writeBytes(in);
                in.release();
            }
            assertThat(ByteBufUtil.hexDump(received)).isEqualTo(hex(nodeInfo, "plaintext_hex") + "ab".repeat(1500));
            received.release();
        } finally {
            a.finishAndReleaseAll();
            b.finishAndReleaseAll();
        }
    }

    private static String drainHex(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.append(ByteBufUtil.hexDump(buf));
            buf.release();
        }
        return out.toString();
    }
}
