package io.p2p4j.bench;

import io.p2p4j.identity.NodeKey;
import io.p2p4j.crypto.Ed25519Keys;
import io.p2p4j.crypto.Hkdf;
import io.p2p4j.crypto.MerlinTranscript;
import io.p2p4j.crypto.X25519Keys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The ceiling of the handshake scenario (performance.md S5): the crypto of a whole
 * SecretConnection handshake, both sides of it, done back to back on one thread with no sockets
 * and no protobuf: for each side an X25519 key pair and agreement, the Merlin transcript and its
 * challenge, HKDF-SHA256 of the frame keys, an Ed25519 signature of the challenge, and the
 * other side's identity check and verification, with the io.p2p4j.crypto classes the handshake
 * uses. Run: {@code bench/run handshake-crypto [--trials N --seconds S]}.
 */
public final class HandshakeCryptoBenchmark {
    // SecretConnection's protocol constants, as the handshake (whose copies are not public) uses them
    private static final String TRANSCRIPT_LABEL = "TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH";
    private static final byte[] HKDF_INFO =
            "TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "2"));
        System.out.printf("Handshake crypto on one core: JDK %s, %d cores, %d trials of %.1f s (after one warm-up)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), trials, seconds);
        double[] rates = trials(trials, seconds);
        System.out.printf("both sides of a handshake, one thread: %s handshakes/s [min-max], %.0f µs each;"
                + " × %d cores: %.0f/s%n", MConnectionBenchmark.summary(rates, "%.0f"),
                1e6 / MConnectionBenchmark.median(rates), Runtime.getRuntime().availableProcessors(),
                MConnectionBenchmark.median(rates) * Runtime.getRuntime().availableProcessors());
    }

    /** Whole handshakes per second on one thread, in each of {@code trials} timed trials after a warm-up. */
    static double[] trials(int trials, double seconds) throws Exception {
        NodeKey a = NodeKey.generate();
        NodeKey b = NodeKey.generate();
        return Trials.run(trials, seconds, window -> new double[] {rate(a, b, window)})[0];
    }

    private static double rate(NodeKey a, NodeKey b, double seconds) throws Exception {
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long count = 0;
        while (System.nanoTime() < end) {
            handshake(a, b);
            count++;
        }
        return count / ((System.nanoTime() - t0) / 1e9);
    }

    /** Both sides' crypto of one handshake between long-term identities {@code a} and {@code b}. */
    static void handshake(NodeKey a, NodeKey b) throws Exception {
        byte[] aPrivate = X25519Keys.generatePrivate();
        byte[] aPublic = X25519Keys.publicKey(aPrivate);
        byte[] bPrivate = X25519Keys.generatePrivate();
        byte[] bPublic = X25519Keys.publicKey(bPrivate);
        byte[] aChallenge = challenge(aPrivate, aPublic, bPublic);
        byte[] bChallenge = challenge(bPrivate, bPublic, aPublic);
        if (!Arrays.equals(aChallenge, bChallenge)) {
            throw new IllegalStateException("the two sides derived different challenges");
        }
        byte[] aSignature = a.sign(aChallenge);
        byte[] bSignature = b.sign(bChallenge);
        if (!accepts(b.publicKey(), bChallenge, bSignature) || !accepts(a.publicKey(), aChallenge, aSignature)) {
            throw new IllegalStateException("a signature did not verify");
        }
    }

    /** One side's agreement, transcript and frame keys; returns the challenge it signs. */
    private static byte[] challenge(byte[] localPrivate, byte[] localPublic, byte[] remotePublic) throws Exception {
        byte[] dh = X25519Keys.agree(localPrivate, remotePublic);
        boolean localIsLeast = Arrays.compareUnsigned(localPublic, remotePublic) < 0;
        MerlinTranscript transcript = new MerlinTranscript(TRANSCRIPT_LABEL);
        transcript.appendMessage("EPHEMERAL_LOWER_PUBLIC_KEY", localIsLeast ? localPublic : remotePublic);
        transcript.appendMessage("EPHEMERAL_UPPER_PUBLIC_KEY", localIsLeast ? remotePublic : localPublic);
        transcript.appendMessage("DH_SECRET", dh);
        byte[] frameKeys = Hkdf.sha256(dh, null, HKDF_INFO, 96);
        if (frameKeys.length != 96) {
            throw new IllegalStateException("HKDF gave " + frameKeys.length + " bytes");
        }
        return transcript.extractBytes("SECRET_CONNECTION_MAC", 32);
    }

    private static boolean accepts(byte[] identity, byte[] challenge, byte[] signature) {
        // as the handshake does: the key decoded once, for the check and the verification
        Ed25519Keys.Identity peer = Ed25519Keys.acceptableIdentity(identity);
        return peer != null && peer.verifies(challenge, signature);
    }

    private HandshakeCryptoBenchmark() {}
}
