package io.p2p4j.secret;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.crypto.FrameCipher;
import io.p2p4j.testkit.FuzzScript;
import io.p2p4j.testkit.TrackingAllocator;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the SecretConnection handshake against a scripted remote. B runs the real
 * handshake with the fixed keys of secret-connection-handshake.json; the script plays A, whose
 * honest bytes are fixed too (its ephemeral key message, then its auth signature frame). At
 * each step the script sends the right bytes, the right bytes with bits flipped, a truncation
 * followed by a close, bytes of its own, plaintext of its own sealed with A's real send key (so
 * the auth message parser and its checks see fuzzed input), or a close; after the auth frame it
 * may send data frames or garbage. The stream is cut into reads where the script says, and if the
 * handshake is still waiting at the end, its clock passes the timeout.
 *
 * <p>It must end, always: in success only when B read A's real ephemeral key (no one else can
 * sign for A), with data sent after the handshake passed on intact; otherwise in a
 * {@link SecretConnectionException} with the channel closed. No other exception may escape, and
 * no buffer may grow with what the remote sends over many reads.
 */
class SecretConnectionHandshakeFuzzTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final byte[] HONEST_EPHEMERAL;
    private static final byte[] HONEST_AUTH;
    private static final int HONEST = 0;
    private static final int CLOSED = -1;

    static {
        // A's honest bytes, from a real handshake between the two fixed keys
        try (EmbeddedPair pair = new EmbeddedPair()) {
            HONEST_EPHEMERAL = EmbeddedPair.drain(pair.a);
            pair.a.writeInbound(Unpooled.wrappedBuffer(EmbeddedPair.drain(pair.b)));
            HONEST_AUTH = EmbeddedPair.drain(pair.a);
        }
    }

    /** What the script made A send, in order, and where it is cut into reads. */
    private static final class Remote {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean closes;
        /** Data A sealed as ordinary frames after its auth frame. */
        final ByteArrayOutputStream dataAfter = new ByteArrayOutputStream();
        boolean honestAuth;
        boolean garbageAfter;
    }

    @FuzzTest
    @Timeout(10)
    void handshake(byte[] input) throws Exception {
        FuzzScript script = new FuzzScript(input);
        int readSize = script.u8();
        Remote remote = script(script);

        EmbeddedChannel channel = new EmbeddedChannel();
        TrackingAllocator allocator = new TrackingAllocator();
        channel.config().setAllocator(allocator);
        channel.freezeTime();
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(EmbeddedPair.KEY_B, TIMEOUT, EmbeddedPair.EPH_B);
        channel.pipeline().addLast(handshake);
        ByteArrayOutputStream passedOn = new ByteArrayOutputStream();
        try {
            byte[] wire = remote.bytes.toByteArray();
            int step = readSize == 0 ? Math.max(1, wire.length) : readSize;
            for (int at = 0; at < wire.length && channel.isOpen(); at += step) {
                try {
                    channel.writeInbound(Unpooled.wrappedBuffer(wire, at, Math.min(step, wire.length - at)));
                } catch (Exception e) {
                    // only the frame opener, after a completed handshake, may fail a read
                    assertThat(handshake.result()).isCompleted();
                    assertThat(e.getCause()).isInstanceOf(SecretConnectionException.class);
                }
                drainInbound(channel, passedOn);
            }
            if (remote.closes) {
                channel.close();
            }
            if (!handshake.result().isDone()) {
                channel.advanceTimeBy(TIMEOUT.toNanos() + 1, TimeUnit.NANOSECONDS);
                channel.runScheduledPendingTasks();
            }
            channel.runPendingTasks();
            drainInbound(channel, passedOn);

            assertThat(handshake.result()).as("the handshake ended").isDone();
            // one ephemeral message and one sealed frame at a time, plus what one read brought
            // (and the growth policy's rounding up): never what the peer piled up over many reads
            assertThat(allocator.largest()).as("largest buffer").isLessThanOrEqualTo(2 * (35 + FrameCipher.SEALED_SIZE + step));
            if (handshake.result().isCompletedExceptionally()) {
                Throwable cause = handshake.result().handle((ok, e) -> e).join();
                assertThat(cause).isInstanceOf(SecretConnectionException.class);
                assertThat(channel.isOpen()).isFalse();
            } else {
                assertThat(Arrays.copyOf(wire, HONEST_EPHEMERAL.length)).as("only A's key authenticates")
                        .isEqualTo(HONEST_EPHEMERAL);
                assertThat(handshake.result().join().remotePublicKey()).isEqualTo(EmbeddedPair.KEY_A.publicKey());
                if (remote.honestAuth && !remote.garbageAfter) {
                    assertThat(passedOn.toByteArray()).as("data after the handshake")
                            .isEqualTo(remote.dataAfter.toByteArray());
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static void drainInbound(EmbeddedChannel channel, ByteArrayOutputStream into) {
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            if (msg instanceof ByteBuf buf) {
                into.writeBytes(ByteBufUtil.getBytes(buf));
                buf.release();
            }
        }
    }

    /** Plays A: the ephemeral key step, the auth step, then what follows. */
    private static Remote script(FuzzScript script) throws Exception {
        Remote remote = new Remote();
        if (step(script, remote, HONEST_EPHEMERAL, false) == CLOSED) {
            return remote;
        }
        int auth = step(script, remote, HONEST_AUTH, true);
        if (auth == CLOSED) {
            return remote;
        }
        remote.honestAuth = auth == HONEST;
        // data frames follow the honest auth frame, which used counter 0
        FrameCipher sealing = FrameCipher.startingAt(EmbeddedPair.A_SEND_KEY, true, 1);
        switch (script.pick(3)) {
            case 0 -> { }
            case 1 -> {
                for (int frames = 1 + script.pick(3); frames > 0; frames--) {
                    byte[] data = script.take(script.u16() % (FrameCipher.DATA_MAX + 1));
                    remote.dataAfter.writeBytes(data);
                    remote.bytes.writeBytes(seal(sealing, data.length, data));
                }
            }
            default -> {
                remote.garbageAfter = true;
                remote.bytes.writeBytes(script.chunk(true));
            }
        }
        return remote;
    }

    /**
     * One step: 0 the honest bytes, 1 them with bits flipped, 2 a truncation then a close,
     * 3 bytes of the script's own, 4 (auth step) plaintext frames of its own sealed with A's send
     * key, else a close. Returns the choice, or {@link #CLOSED} if the remote closed.
     */
    private static int step(FuzzScript script, Remote remote, byte[] honest, boolean authStep) throws Exception {
        int choice = script.pick(6);
        switch (choice) {
            case HONEST -> remote.bytes.writeBytes(honest);
            case 1 -> {
                byte[] mutated = honest.clone();
                for (int flips = 1 + script.pick(4); flips > 0; flips--) {
                    mutated[script.u16() % mutated.length] ^= (byte) (script.u8() | 1);
                }
                remote.bytes.writeBytes(mutated);
            }
            case 2 -> {
                remote.bytes.writeBytes(Arrays.copyOf(honest, script.u16() % honest.length));
                remote.closes = true;
                return CLOSED;
            }
            case 3 -> remote.bytes.writeBytes(script.chunk(true));
            case 4 -> {
                if (!authStep) {
                    remote.closes = true;
                    return CLOSED;
                }
                FrameCipher sealing = FrameCipher.sealing(EmbeddedPair.A_SEND_KEY);
                for (int frames = 1 + script.pick(3); frames > 0; frames--) {
                    long lengthField = script.pick(4) == 0 ? script.i32() & 0xffffffffL : script.u8();
                    remote.bytes.writeBytes(seal(sealing, lengthField, script.chunk(false)));
                }
            }
            default -> {
                remote.closes = true;
                return CLOSED;
            }
        }
        return choice;
    }

    /** A sealed frame with this 4-byte length field and data (cut to a frame's room). */
    private static byte[] seal(FrameCipher cipher, long lengthField, byte[] data) throws Exception {
        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
        for (int i = 0; i < 4; i++) {
            plain[i] = (byte) (lengthField >>> (8 * i));
        }
        System.arraycopy(data, 0, plain, 4, Math.min(data.length, FrameCipher.DATA_MAX));
        byte[] sealed = new byte[FrameCipher.SEALED_SIZE];
        cipher.seal(plain, 0, sealed, 0);
        return sealed;
    }
}
