package io.p2p4j.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.p2p4j.crypto.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: reading node_key.json ({@link NodeKey#parse}, what {@link NodeKey#load} does with
 * the file's bytes once it has checked their size). Any content ends in a key or a
 * {@link NodeKeyException}, nothing else; a key that loads is whole: its JSON loads back to the
 * same key, and it signs what its public key verifies.
 */
class NodeKeyFuzzTest {
    private static final Path FILE = Path.of("config", "node_key.json");
    private static final byte[] MESSAGE = "fuzz".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest
    @Timeout(10)
    void load(byte[] content) throws NodeKeyException {
        NodeKey key;
        try {
            key = NodeKey.parse(FILE, content);
        } catch (NodeKeyException e) {
            assertThat(e.getMessage()).contains(FILE.toString()); // the error names the file
            return;
        }
        NodeKey again = NodeKey.parse(FILE, key.toJson().getBytes(StandardCharsets.UTF_8));
        assertThat(again.id()).isEqualTo(key.id());
        assertThat(again.publicKey()).isEqualTo(key.publicKey());
        assertThat(Ed25519Keys.verify(key.publicKey(), MESSAGE, key.sign(MESSAGE))).isTrue();
    }
}
