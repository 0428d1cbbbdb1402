package io.p2p4j.secret;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.p2p4j.crypto.FrameCipher;
import java.util.List;
import javax.crypto.AEADBadTagException;

/**
 * Inbound half of an established SecretConnection: reads the stream as 1,044-byte sealed frames,
 * opens each with the next nonce, and passes on the data bytes (the frame's little-endian length
 * says how many; the padding after them is ignored, as Go fills it with leftovers). The data of
 * all frames opened from one read goes on as one buffer. A frame that does not authenticate or
 * claims more than 1,024 bytes ends the connection, and nothing after it is passed on; so do too
 * many frames without data before the connection is set up ({@link SetupEmptyFrames}).
 */
final class FrameOpener extends ByteToMessageDecoder {
    /** Working space per thread, shared by the connections of an event loop: [sealed frame][plain frame]. */
    private static final ThreadLocal<byte[]> SCRATCH =
            ThreadLocal.withInitial(() -> new byte[FrameCipher.SEALED_SIZE + FrameCipher.PLAIN_SIZE]);
    private static final int PLAIN = FrameCipher.SEALED_SIZE;
    private final FrameCipher cipher;
    private final SetupEmptyFrames emptyFrames;
    private boolean failed;

    FrameOpener(FrameCipher cipher, SetupEmptyFrames emptyFrames) {
        this.cipher = cipher;
        this.emptyFrames = emptyFrames;
    }

    /** The connection is set up: see {@link SetupEmptyFrames}. */
    void connectionSetUp() {
        emptyFrames.setUp();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws SecretConnectionException {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int frames = in.readableBytes() / FrameCipher.SEALED_SIZE;
        if (frames == 0) {
            return;
        }
        ByteBuf data = ctx.alloc().heapBuffer(frames * FrameCipher.DATA_MAX);
        byte[] scratch = SCRATCH.get();
        try {
            for (int i = 0; i < frames; i++) {
                in.readBytes(scratch, 0, FrameCipher.SEALED_SIZE);
                SecretConnectionException error = null;
                try {
                    cipher.open(scratch, 0, scratch, PLAIN);
                } catch (AEADBadTagException e) {
                    error = new SecretConnectionException("frame authentication failed", e);
                } catch (FrameCipher.NonceOverflowException e) {
                    error = new SecretConnectionException("nonce overflow: the receive counter is exhausted", e);
                }
                long length = (scratch[PLAIN] & 0xffL) | (scratch[PLAIN + 1] & 0xffL) << 8
                        | (scratch[PLAIN + 2] & 0xffL) << 16 | (scratch[PLAIN + 3] & 0xffL) << 24;
                if (error == null && length > FrameCipher.DATA_MAX) {
                    error = new SecretConnectionException("frame length " + length + " > " + FrameCipher.DATA_MAX);
                }
                if (error == null) {
                    try {
                        emptyFrames.frame(length);
                    } catch (SecretConnectionException e) {
                        error = e;
                    }
                }
                if (error != null) {
                    // what the good frames before this one carried still goes on; nothing after it
                    if (data.isReadable()) {
                        out.add(data);
                        data = null;
                    }
                    throw fail(ctx, in, error);
                }
                data.writeBytes(scratch, PLAIN + 4, (int) length);
            }
            if (data.isReadable()) {
                out.add(data);
                data = null;
            }
        } finally {
            if (data != null) {
                data.release();
            }
        }
    }

    /** Reads nothing more and closes the connection; the error still travels up the pipeline. */
    private SecretConnectionException fail(ChannelHandlerContext ctx, ByteBuf in, SecretConnectionException e) {
        failed = true;
        in.skipBytes(in.readableBytes());
        ctx.close(); // channelInactive follows in a later task, after the error has been seen
        return e;
    }
}
