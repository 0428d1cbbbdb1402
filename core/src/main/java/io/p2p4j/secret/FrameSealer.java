package io.p2p4j.secret;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.p2p4j.crypto.FrameCipher;
import java.util.Arrays;

/**
 * Outbound half of an established SecretConnection: every {@link ByteBuf} written is cut into
 * pieces of at most 1,024 bytes, each sealed into a 1,044-byte frame, and all frames of one
 * write go out as one buffer (one socket write for many frames, not one per frame). A write of
 * zero bytes sends nothing. Takes ownership of (and releases) the buffers written to it.
 */
final class FrameSealer extends ChannelOutboundHandlerAdapter {
    /** One plaintext frame of working space per thread, shared by the connections of an event loop. */
    private static final ThreadLocal<byte[]> PLAIN = ThreadLocal.withInitial(() -> new byte[FrameCipher.PLAIN_SIZE]);
    private final FrameCipher cipher;

    FrameSealer(FrameCipher cipher) {
        this.cipher = cipher;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!(msg instanceof ByteBuf in)) {
            ctx.write(msg, promise);
            return;
        }
        ByteBuf out = null;
        try {
            int length = in.readableBytes();
            if (length == 0) {
                ctx.write(in.retain(), promise);
                return;
            }
            int frames = (length + FrameCipher.DATA_MAX - 1) / FrameCipher.DATA_MAX;
            out = ctx.alloc().heapBuffer(frames * FrameCipher.SEALED_SIZE);
            byte[] plain = PLAIN.get();
            byte[] outArray = out.array();
            int outOff = out.arrayOffset() + out.writerIndex();
            for (int i = 0; i < frames; i++) {
                int chunk = Math.min(FrameCipher.DATA_MAX, in.readableBytes());
                plain[0] = (byte) chunk;
                plain[1] = (byte) (chunk >>> 8);
                plain[2] = 0;
                plain[3] = 0;
                in.readBytes(plain, 4, chunk);
                if (chunk < FrameCipher.DATA_MAX) {
                    Arrays.fill(plain, 4 + chunk, FrameCipher.PLAIN_SIZE, (byte) 0);
                }
                cipher.seal(plain, 0, outArray, outOff);
                outOff += FrameCipher.SEALED_SIZE;
            }
            out.writerIndex(out.writerIndex() + frames * FrameCipher.SEALED_SIZE);
            ByteBuf sealed = out;
            out = null;
            ctx.write(sealed, promise);
        } catch (FrameCipher.NonceOverflowException e) {
            SecretConnectionException error = new SecretConnectionException("nonce overflow: the send counter is exhausted", e);
            promise.tryFailure(error);
            ctx.fireExceptionCaught(error);
            ctx.close();
        } finally {
            in.release();
            if (out != null) {
                out.release();
            }
        }
    }
}
