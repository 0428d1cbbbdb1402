package io.p2p4j.bench;

import io.p2p4j.crypto.FrameCipher;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Sealing and opening one SecretConnection frame (1,028 plaintext bytes, 1,044 sealed) with the
 * engine this machine selects ({@code -Dp2p4j.aead=jdk} forces the JDK's ChaCha20-Poly1305):
 * the per-frame crypto that bounds encrypted throughput.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameCipherBenchmark {
    private FrameCipher sealer;
    private FrameCipher opener;
    private final byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
    private final byte[] sealed = new byte[FrameCipher.SEALED_SIZE];
    private final byte[] opened = new byte[FrameCipher.PLAIN_SIZE];
    private byte[] key;

    @Setup
    public void setUp() {
        key = new byte[32];
        new Random(1).nextBytes(key);
        new Random(2).nextBytes(plain);
        sealer = FrameCipher.sealing(key);
    }

    @Benchmark
    public byte[] seal() throws Exception {
        sealer.seal(plain, 0, sealed, 0);
        return sealed;
    }

    /** Seals with a fresh sealer each time so there is always a frame the opener's counter expects. */
    @Benchmark
    public byte[] sealThenOpen() throws Exception {
        if (opener == null) {
            opener = FrameCipher.opening(key);
            sealer = FrameCipher.sealing(key);
        }
        sealer.seal(plain, 0, sealed, 0);
        opener.open(sealed, 0, opened, 0);
        return opened;
    }
}
