package io.p2p4j.bench;

import io.p2p4j.crypto.FrameCipher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceilings of the bulk and message-rate scenarios (performance.md S1a, S1b, S2), measured
 * with no MConnection: one loopback TCP connection, a sender thread and a receiver thread.
 * Encrypted, the sender seals SecretConnection frames (1,028 plaintext bytes: 4-byte length and
 * 1,024 of data) with {@link FrameCipher}, the AEAD SecretConnection uses, and writes
 * {@link #FRAMES_PER_WRITE} of them per write; the receiver reads 64 KiB at a time and opens
 * every frame. A 1 KiB message fills one frame, so the frames opened per second are also the
 * ceiling of the 1 KiB message rate, and their data bytes that of bulk throughput. Plaintext,
 * the sender writes 64 KiB buffers and the receiver reads them. Run:
 * {@code bench/run pipe [--trials N --seconds S]}.
 */
public final class BarePipeBenchmark {
    /** About 64 KiB of sealed frames per write, as performance.md's raw pipe. */
    static final int FRAMES_PER_WRITE = 63;
    private static final int PLAIN_WRITE = 64 * 1024;

    public static void main(String[] args) throws Exception {
        int trials = MConnectionBenchmark.intArg(args, "--trials", 5);
        double seconds = Double.parseDouble(MConnectionBenchmark.stringArg(args, "--seconds", "2"));
        System.out.printf("Bare pipe benchmark (no MConnection): JDK %s, %d cores, %d trials of %.1f s (after one warm-up)%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), trials, seconds);
        System.out.printf("%-52s %24s %20s%n", "pipe", "MB/s median [min-max]", "frames/s median");
        for (boolean encrypted : new boolean[] {false, true}) {
            double[][] r = trials(encrypted, trials, seconds);
            System.out.printf("%-52s %24s %20s%n", encrypted ? "sealed 1,028-byte frames, 63 per write" : "plaintext, 64 KiB writes",
                    MConnectionBenchmark.summary(r[0], "%.0f"),
                    encrypted ? String.format("%.0f", MConnectionBenchmark.median(r[1])) : "–");
        }
    }

    /** {MB/s of each trial, frames/s of each trial}: {@code trials} timed trials after a warm-up of half the time. */
    static double[][] trials(boolean encrypted, int trials, double seconds) throws Exception {
        return Trials.run(trials, seconds, window -> measure(encrypted, window));
    }

    /**
     * One trial: the receiver's rate over {@code seconds} after 200 ms of running, {data MB/s,
     * frames/s} (encrypted frames are also 1 KiB messages).
     */
    static double[] measure(boolean encrypted, double seconds) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            AtomicLong dataBytes = new AtomicLong();
            AtomicLong frames = new AtomicLong();
            try (SocketChannel out = SocketChannel.open(listener.getLocalAddress());
                    SocketChannel in = listener.accept()) {
                Thread sender = Thread.ofPlatform().start(() -> quietly(() -> send(out, encrypted, key)));
                Thread receiver = Thread.ofPlatform().start(
                        () -> quietly(() -> receive(in, encrypted, key, dataBytes, frames)));
                double[] rate = Trials.rates(dataBytes, frames, seconds);
                out.close(); // ends both threads: the sender's write and the receiver's read fail or see the end
                in.close();
                sender.join();
                receiver.join();
                return rate;
            }
        }
    }

    private static void send(SocketChannel out, boolean encrypted, byte[] key) throws Exception {
        if (!encrypted) {
            ByteBuffer chunk = ByteBuffer.allocate(PLAIN_WRITE);
            while (true) {
                chunk.clear();
                writeFully(out, chunk);
            }
        }
        FrameCipher sealer = FrameCipher.sealing(key);
        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
        ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).putInt(FrameCipher.DATA_MAX);
        byte[] batch = new byte[FRAMES_PER_WRITE * FrameCipher.SEALED_SIZE];
        ByteBuffer buffer = ByteBuffer.wrap(batch);
        while (true) {
            for (int f = 0; f < FRAMES_PER_WRITE; f++) {
                sealer.seal(plain, 0, batch, f * FrameCipher.SEALED_SIZE);
            }
            buffer.clear();
            writeFully(out, buffer);
        }
    }

    private static void writeFully(SocketChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void receive(SocketChannel in, boolean encrypted, byte[] key, AtomicLong dataBytes, AtomicLong frames)
            throws Exception {
        byte[] space = new byte[PLAIN_WRITE + FrameCipher.SEALED_SIZE];
        ByteBuffer buffer = ByteBuffer.wrap(space);
        FrameCipher opener = FrameCipher.opening(key);
        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
        while (in.read(buffer) >= 0) {
            if (!encrypted) {
                dataBytes.addAndGet(buffer.position());
                buffer.clear();
                continue;
            }
            int whole = buffer.position() / FrameCipher.SEALED_SIZE;
            for (int f = 0; f < whole; f++) {
                opener.open(space, f * FrameCipher.SEALED_SIZE, plain, 0);
            }
            dataBytes.addAndGet((long) whole * FrameCipher.DATA_MAX);
            frames.addAndGet(whole);
            buffer.flip().position(whole * FrameCipher.SEALED_SIZE);
            buffer.compact();
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs a pipe end until its socket is closed under it, which is how a trial ends. */
    private static void quietly(Body body) {
        try {
            body.run();
        } catch (Exception closed) {
            // the trial is over
        }
    }

    private BarePipeBenchmark() {}
}
