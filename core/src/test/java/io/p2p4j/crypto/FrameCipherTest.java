package io.p2p4j.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The two frame engines (the JDK's ChaCha20-Poly1305, and the JDK's ChaCha20 with our Poly1305)
 * seal the same frames byte for byte and open each other's; Poly1305 matches RFC 8439.
 */
class FrameCipherTest {

    @Test
    void poly1305MatchesRfc8439() {
        byte[] key = HexFormat.of().parseHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] message = "Cryptographic Forum Research Group".getBytes(StandardCharsets.US_ASCII);
        Poly1305 poly = new Poly1305();
        poly.init(key, 0);
        poly.blocks(message, 0, 32);
        poly.partialBlock(message, 32, 2);
        byte[] tag = new byte[16];
        poly.finish(tag, 0);
        assertThat(HexFormat.of().formatHex(tag)).isEqualTo("a8061dc1305136c6c22b8baf0c0127a9");
    }

    @Property(tries = 200)
    void bothEnginesSealTheSameFramesAndOpenEachOthers(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        byte[] key = new byte[32];
        random.nextBytes(key);
        long counter = random.nextBoolean() ? random.nextInt(1000) : random.nextLong() & Long.MAX_VALUE;
        FrameCipher jdk = new FrameCipher(key, Cipher.ENCRYPT_MODE, counter, true);
        FrameCipher split = new FrameCipher(key, Cipher.ENCRYPT_MODE, counter, false);
        FrameCipher openJdk = new FrameCipher(key, Cipher.DECRYPT_MODE, counter, true);
        FrameCipher openSplit = new FrameCipher(key, Cipher.DECRYPT_MODE, counter, false);
        for (int frame = 0; frame < 3; frame++) {
            byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
            random.nextBytes(plain);
            byte[] a = new byte[FrameCipher.SEALED_SIZE];
            byte[] b = new byte[FrameCipher.SEALED_SIZE];
            jdk.seal(plain, 0, a, 0);
            split.seal(plain, 0, b, 0);
            assertThat(b).isEqualTo(a);
            byte[] back1 = new byte[FrameCipher.PLAIN_SIZE];
            byte[] back2 = new byte[FrameCipher.PLAIN_SIZE];
            openSplit.open(a, 0, back1, 0);
            openJdk.open(b, 0, back2, 0);
            assertThat(back1).isEqualTo(plain);
            assertThat(back2).isEqualTo(plain);
        }
        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
        byte[] sealed = new byte[FrameCipher.SEALED_SIZE];
        split.seal(plain, 0, sealed, 0);
        sealed[random.nextInt(FrameCipher.SEALED_SIZE)] ^= (byte) (1 << random.nextInt(8));
        assertThatThrownBy(() -> openSplit.open(sealed, 0, new byte[FrameCipher.PLAIN_SIZE], 0))
                .isInstanceOf(AEADBadTagException.class);
    }
}
