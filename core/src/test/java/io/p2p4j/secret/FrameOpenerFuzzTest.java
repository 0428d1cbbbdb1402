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
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the inbound half of an established SecretConnection ({@link FrameOpener}) with a
 * known session key. The stream is built from raw bytes, plaintext frames sealed here with any
 * 4-byte length field (so the length checks are reached, which no random ciphertext does), data
 * sealed by a {@link FrameSealer} with the same key, and bit flips; it is cut into reads where the
 * script says. A reference opener written with the JDK's own ChaCha20-Poly1305 says what must come
 * out: the data of every frame up to the first that does not authenticate or claims more than
 * 1,024 bytes, then one {@link SecretConnectionException} and a closed channel, and nothing after;
 * its buffers never hold more than a partial frame beyond the current read.
 *
 * <p>Input: operations of one byte with arguments (see {@link #stream}).
 */
class FrameOpenerFuzzTest {
    private static final byte[] KEY = EmbeddedPair.A_SEND_KEY;
    private static final int MAX_OPERATIONS = 64;

    /** The bytes the peer sends, and the points where they are cut into reads. */
    private record Stream(byte[] bytes, List<Integer> cuts) {}

    @FuzzTest
    @Timeout(10)
    void openFrames(byte[] input) throws Exception {
        Stream stream = stream(new FuzzScript(input));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        boolean expectFailure = referenceOpen(stream.bytes(), expected);

        EmbeddedChannel channel = new EmbeddedChannel();
        TrackingAllocator allocator = new TrackingAllocator();
        channel.config().setAllocator(allocator);
        channel.pipeline().addLast(new FrameOpener(FrameCipher.opening(KEY), new SetupEmptyFrames()));
        ByteArrayOutputStream passedOn = new ByteArrayOutputStream();
        List<Throwable> errors = new ArrayList<>();
        int largestRead = 0;
        try {
            int from = 0;
            for (int cut : stream.cuts()) {
                largestRead = Math.max(largestRead, cut - from);
                if (!channel.isOpen()) {
                    break;
                }
                try {
                    channel.writeInbound(Unpooled.wrappedBuffer(stream.bytes(), from, cut - from));
                } catch (Exception e) {
                    errors.add(e);
                }
                from = cut;
                for (Object msg; (msg = channel.readInbound()) != null; ) {
                    ByteBuf buf = (ByteBuf) msg;
                    passedOn.writeBytes(ByteBufUtil.getBytes(buf));
                    buf.release();
                }
            }
            // a partial frame and one read's worth (doubled for the growth policy's rounding)
            assertThat(allocator.largest()).as("largest buffer")
                    .isLessThanOrEqualTo(2 * (FrameCipher.SEALED_SIZE + largestRead));
            assertThat(passedOn.toByteArray()).as("data passed on").isEqualTo(expected.toByteArray());
            if (expectFailure) {
                assertThat(errors).hasSize(1);
                Throwable cause = errors.get(0).getCause() != null ? errors.get(0).getCause() : errors.get(0);
                assertThat(cause).isInstanceOf(SecretConnectionException.class);
                assertThat(channel.isOpen()).isFalse();
            } else {
                assertThat(errors).isEmpty();
                assertThat(channel.isOpen()).isTrue();
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * Operations: 0 raw bytes (2-byte length), 1 a plaintext frame sealed here (a length field
     * that is either valid or any 4 bytes, then data), 2 data through a FrameSealer (2-byte
     * length), 3 cut: what came since the last cut is one read, 4 flip bits of one byte so far.
     */
    private static Stream stream(FuzzScript script) throws GeneralSecurityException {
        FrameCipher sealing = FrameCipher.sealing(KEY);
        EmbeddedChannel sealer = new EmbeddedChannel(new FrameSealer(sealing)); // shares the counter
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> cuts = new ArrayList<>();
        try {
            for (int op = 0; op < MAX_OPERATIONS && script.hasMore(); op++) {
                switch (script.pick(5)) {
                    case 0 -> out.writeBytes(script.chunk(true));
                    case 1 -> {
                        long lengthField = script.pick(2) == 0 ? script.u16() % (FrameCipher.DATA_MAX + 1)
                                : script.i32() & 0xffffffffL;
                        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
                        for (int i = 0; i < 4; i++) {
                            plain[i] = (byte) (lengthField >>> (8 * i));
                        }
                        byte[] data = script.chunk(true);
                        System.arraycopy(data, 0, plain, 4, Math.min(data.length, FrameCipher.DATA_MAX));
                        byte[] sealed = new byte[FrameCipher.SEALED_SIZE];
                        sealing.seal(plain, 0, sealed, 0);
                        out.writeBytes(sealed);
                    }
                    case 2 -> {
                        sealer.writeOutbound(Unpooled.wrappedBuffer(script.chunk(true)));
                        for (Object msg; (msg = sealer.readOutbound()) != null; ) {
                            ByteBuf buf = (ByteBuf) msg;
                            out.writeBytes(ByteBufUtil.getBytes(buf));
                            buf.release();
                        }
                    }
                    case 3 -> cuts.add(out.size());
                    default -> {
                        int position = script.u16();
                        int flip = script.u8() | 1;
                        if (out.size() > 0) {
                            byte[] bytes = out.toByteArray();
                            bytes[position % bytes.length] ^= (byte) flip;
                            out.reset();
                            out.writeBytes(bytes);
                        }
                    }
                }
            }
        } finally {
            sealer.finishAndReleaseAll();
        }
        cuts.add(out.size());
        return new Stream(out.toByteArray(), cuts);
    }

    /**
     * The reference: ChaCha20-Poly1305 from the JDK, nonce of four zero bytes and the
     * little-endian frame counter; a frame's data is the first {@code length} bytes after the
     * 4-byte length. Returns true if the stream holds a frame that must end the connection.
     */
    static boolean referenceOpen(byte[] stream, ByteArrayOutputStream data) throws GeneralSecurityException {
        Cipher aead = Cipher.getInstance("ChaCha20-Poly1305");
        SecretKeySpec key = new SecretKeySpec(KEY, "ChaCha20");
        for (long counter = 0; (counter + 1) * FrameCipher.SEALED_SIZE <= stream.length; counter++) {
            byte[] nonce = new byte[12];
            for (int i = 0; i < 8; i++) {
                nonce[4 + i] = (byte) (counter >>> (8 * i));
            }
            aead.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce));
            byte[] plain;
            try {
                plain = aead.doFinal(stream, (int) counter * FrameCipher.SEALED_SIZE, FrameCipher.SEALED_SIZE);
            } catch (AEADBadTagException e) {
                return true;
            }
            long length = (plain[0] & 0xffL) | (plain[1] & 0xffL) << 8 | (plain[2] & 0xffL) << 16
                    | (plain[3] & 0xffL) << 24;
            if (length > FrameCipher.DATA_MAX) {
                return true;
            }
            data.write(plain, 4, (int) length);
        }
        return false;
    }
}
