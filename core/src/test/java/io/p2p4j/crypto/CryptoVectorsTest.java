package io.p2p4j.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.identity.NodeKey;
import com.fasterxml.jackson.databind.JsonNode;
import io.p2p4j.testkit.Vectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** STROBE, Merlin and HKDF against their published vectors and CometBFT's golden file. */
class CryptoVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void strobeMatchesStrobeGoStatesForInitAdKeyAndPrf() {
        JsonNode vectors = Vectors.json("strobego/test_vectors.json").get("test_vectors");
        int checked = 0;
        for (JsonNode vector : vectors) {
            Strobe128 strobe = null;
            for (JsonNode op : vector.get("operations")) {
                String name = op.get("name").asText();
                boolean meta = op.get("meta").asText().equalsIgnoreCase("true");
                boolean more = op.get("stream").asText().equalsIgnoreCase("true");
                byte[] output = null;
                switch (name) {
                    case "init" -> strobe = new Strobe128(op.get("custom_string").asText());
                    case "AD" -> {
                        byte[] data = HEX.parseHex(op.get("input_data").asText());
                        if (meta) {
                            strobe.metaAd(data, more);
                        } else {
                            strobe.ad(data, more);
                        }
                    }
                    case "KEY" -> {
                        if (meta) {
                            strobe = null; // meta-KEY is not implemented (Merlin never uses it)
                        } else {
                            strobe.key(HEX.parseHex(op.get("input_data").asText()), more);
                        }
                    }
                    case "PRF" -> {
                        if (meta) {
                            strobe = null; // meta-PRF is not implemented (Merlin never uses it)
                        } else {
                            output = new byte[op.get("input_length").asInt()];
                            strobe.prf(output, more);
                        }
                    }
                    default -> {
                        strobe = null; // an operation Merlin does not use
                    }
                }
                if (strobe == null) {
                    // every later state depends on the operation we cannot run: leave this vector
                    // (not the test), and go on with the next one
                    break;
                }
                if (output != null) {
                    assertThat(HEX.formatHex(output)).as("%s output", name).isEqualTo(op.get("output").asText());
                }
                assertThat(HEX.formatHex(strobe.state())).as("%s: state after %s", vector.get("name").asText(), name)
                        .isEqualTo(op.get("state_after").asText());
                checked++;
            }
        }
        // every vector up to its first operation Merlin does not use: 4 + 4 + 6 + 3 states
        assertThat(checked).isEqualTo(17);
    }

    @Test
    void merlinMatchesTheTranscriptVectors() {
        JsonNode vectors = Vectors.json("merlin-transcript-vectors.json").get("vectors");
        MerlinTranscript simple = new MerlinTranscript("test protocol");
        simple.appendMessage("some label", "some data".getBytes(StandardCharsets.US_ASCII));
        assertThat(HEX.formatHex(simple.extractBytes("challenge", 32)))
                .isEqualTo(vectors.get(0).get("steps").get(2).get("expected_hex").asText());

        MerlinTranscript complex = new MerlinTranscript("test protocol");
        complex.appendMessage("step1", "some data".getBytes(StandardCharsets.US_ASCII));
        byte[] data = new byte[1024];
        java.util.Arrays.fill(data, (byte) 0x63);
        byte[] challenge = null;
        for (int i = 0; i < 32; i++) {
            challenge = complex.extractBytes("challenge", 32);
            complex.appendMessage("bigdata", data);
            complex.appendMessage("challengedata", challenge);
        }
        assertThat(HEX.formatHex(challenge)).isEqualTo(vectors.get(1).get("steps").get(3).get("expected_hex").asText());
    }

    @Test
    void hkdfMatchesRfc5869() {
        // RFC 5869 appendix A, test cases 1 to 3 (SHA-256)
        assertThat(HEX.formatHex(Hkdf.sha256(HEX.parseHex("0b".repeat(22)), HEX.parseHex("000102030405060708090a0b0c"),
                HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)))
                .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        byte[] ikm2 = new byte[80];
        byte[] salt2 = new byte[80];
        byte[] info2 = new byte[80];
        for (int i = 0; i < 80; i++) {
            ikm2[i] = (byte) i;
            salt2[i] = (byte) (0x60 + i);
            info2[i] = (byte) (0xb0 + i);
        }
        assertThat(HEX.formatHex(Hkdf.sha256(ikm2, salt2, info2, 82))).isEqualTo(
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
                        + "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
        assertThat(HEX.formatHex(Hkdf.sha256(HEX.parseHex("0b".repeat(22)), new byte[0], new byte[0], 42)))
                .isEqualTo("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void frameKeysMatchCometBftsGoldenFile() throws IOException {
        List<String> lines;
        try (InputStream in = getClass().getResourceAsStream(
                "/vectors/cometbft-v0.38.25/p2p/conn/testdata/TestDeriveSecretsAndChallengeGolden.golden")) {
            lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().toList();
        }
        assertThat(lines).hasSize(32);
        byte[] info = "TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN".getBytes(StandardCharsets.US_ASCII);
        for (String line : lines) {
            String[] cols = line.split(",");
            byte[] okm = Hkdf.sha256(HEX.parseHex(cols[0]), null, info, 96);
            boolean locIsLeast = Boolean.parseBoolean(cols[1]);
            String first = HEX.formatHex(okm, 0, 32);
            String second = HEX.formatHex(okm, 32, 64);
            assertThat(cols[2]).as("recv key").isEqualTo(locIsLeast ? first : second);
            assertThat(cols[3]).as("send key").isEqualTo(locIsLeast ? second : first);
            // the obsolete fifth column is the unused third part of the HKDF output
            assertThat(cols[4]).isEqualTo(HEX.formatHex(okm, 64, 96));
        }
    }

    @Test
    void smallOrderEd25519KeysAreRefusedAsIdentities() {
        Map<String, Boolean> keys = new HashMap<>();
        keys.put("0100000000000000000000000000000000000000000000000000000000000000", false); // identity
        keys.put("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", false); // order 2
        keys.put("0000000000000000000000000000000000000000000000000000000000000080", false); // order 4
        keys.put("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", false); // order 8
        keys.put("03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", true);  // node A
        keys.forEach((hex, ok) -> assertThat(Ed25519Keys.isAcceptableIdentity(HEX.parseHex(hex))).as(hex).isEqualTo(ok));
    }

    /**
     * Every encoding of a point of small order: the seven y values those points have (0, 1, p-1,
     * the two of order 8, and the non-canonical p and p+1), each with either sign bit.
     */
    @Test
    void everyEncodingOfASmallOrderPointIsRefused() {
        List<String> ys = List.of(
                "0000000000000000000000000000000000000000000000000000000000000000",
                "0100000000000000000000000000000000000000000000000000000000000000",
                "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
                "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        for (String y : ys) {
            for (int sign : new int[] {0, 0x80}) {
                byte[] key = HEX.parseHex(y);
                key[31] = (byte) ((key[31] & 0x7f) | sign);
                assertThat(Ed25519Keys.isAcceptableIdentity(key)).as(HEX.formatHex(key)).isFalse();
            }
        }
        for (int i = 0; i < 100; i++) {
            assertThat(Ed25519Keys.isAcceptableIdentity(io.p2p4j.identity.NodeKey.generate().publicKey())).isTrue();
        }
    }

    /**
     * Verifying with the key decoded once gives what verifying with its bytes gives: the valid
     * signature verifies, and so does no signature with any one bit changed, nor one over another
     * message, nor a truncated one.
     */
    @Test
    void aDecodedIdentityVerifiesExactlyAsItsBytesDo() {
        for (int k = 0; k < 3; k++) {
            io.p2p4j.identity.NodeKey key = io.p2p4j.identity.NodeKey.generate();
            byte[] message = HEX.parseHex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
            byte[] signature = key.sign(message);
            Ed25519Keys.Identity identity = Ed25519Keys.acceptableIdentity(key.publicKey());
            assertThat(identity).isNotNull();
            assertThat(identity.verifies(message, signature)).isTrue();
            assertThat(Ed25519Keys.verify(key.publicKey(), message, signature)).isTrue();
            for (int bit = 0; bit < signature.length * 8; bit++) {
                byte[] changed = signature.clone();
                changed[bit / 8] ^= (byte) (1 << (bit % 8));
                assertThat(identity.verifies(message, changed)).as("bit %d", bit)
                        .isEqualTo(Ed25519Keys.verify(key.publicKey(), message, changed)).isFalse();
            }
            byte[] other = message.clone();
            other[0] ^= 1;
            assertThat(identity.verifies(other, signature)).isFalse();
            assertThat(identity.verifies(message, java.util.Arrays.copyOf(signature, 63))).isFalse();
        }
        assertThat(Ed25519Keys.acceptableIdentity(new byte[31])).isNull();
    }
}
