package io.p2p4j.transport;

import io.p2p4j.net.HandshakeException;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.proto.DefaultNodeInfo;
import io.p2p4j.net.HandshakeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The NodeInfo exchange, right after the SecretConnection handshake. It sits in the pipeline
 * behind the handshake from the start, so no byte the peer sends early is lost; it only gathers
 * bytes until {@link #begin} (called once the key is checked). Then it writes our NodeInfo as one
 * varint-delimited {@code DefaultNodeInfo} and reads the peer's, refusing a length prefix over
 * {@link NodeInfo#MAX_SIZE} before buffering anything of it. The result completes
 * {@link #result()}; the handler then stops reading and stays in the pipeline, holding any bytes
 * that came after the NodeInfo, until {@link #handOff} removes it once the next stage is in
 * place (those bytes then flow on to it).
 *
 * <p>Outside the exchange, before {@link #begin} and after the NodeInfo, it reads nothing more:
 * Netty's decoder asks for another read whenever one decoded nothing with auto-read off, so a
 * peer streaming right after its NodeInfo would otherwise pile bytes up here, unlimited, for as
 * long as peer filters and the start of the peer take. What it holds is therefore at most what
 * came in the socket read that carried the end of the NodeInfo. If the next stage turns auto-read
 * on before removing this handler (an MConnection does as it starts), the first bytes read then
 * hand off at once rather than gather here.
 */
final class NodeInfoHandshake extends ByteToMessageDecoder {
    private final NodeInfo ours;
    private final Duration timeout;
    private final CompletableFuture<NodeInfo> result = new CompletableFuture<>();
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext ctx;
    private boolean begun;
    private boolean done;

    NodeInfoHandshake(NodeInfo ours, Duration timeout) {
        this.ours = ours;
        this.timeout = timeout;
    }

    CompletableFuture<NodeInfo> result() {
        return result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts the exchange: sends our NodeInfo and reads the peer's. Event loop only. */
    void begin() {
        if (begun || ctx == null || ctx.isRemoved()) {
            return;
        }
        begun = true;
        timer = ctx.executor().schedule(() -> fail(ctx, new HandshakeException(Reason.TIMEOUT,
                "NodeInfo exchange did not finish within " + timeout.toMillis() + " ms")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        byte[] encoded = NodeInfoProto.toProto(ours).toByteArray();
        ByteBuf out = ctx.alloc().buffer(encoded.length + 5);
        int value = encoded.length;
        while ((value & ~0x7f) != 0) {
            out.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
        out.writeBytes(encoded);
        ctx.writeAndFlush(out).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, new HandshakeException(Reason.CLOSED, "sending our NodeInfo failed", f.cause()));
            }
        });
        ctx.channel().config().setAutoRead(true);
        ctx.read();
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER); // decode what came before we began
        } catch (Exception e) {
            fail(ctx, new HandshakeException(Reason.INVALID_NODE_INFO, "NodeInfo exchange failed: " + e.getMessage(), e));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!begun) {
            ctx.channel().config().setAutoRead(false); // begin() reads again
        }
        super.channelRead(ctx, msg);
        if (done && result.isDone() && !result.isCompletedExceptionally() && !ctx.isRemoved()
                && ctx.channel().config().isAutoRead()) {
            ctx.pipeline().remove(this); // the next stage turned reading on: it is in place
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (begun && !done) {
            super.channelReadComplete(ctx);
        } else {
            ctx.fireChannelReadComplete(); // without the decoder's request for another read
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done || !begun) {
            return; // keep the bytes: for the exchange once it begins, or for the next stage after it
        }
        int start = in.readerIndex();
        long length = 0;
        int shift = 0;
        int i = 0;
        while (true) {
            if (i >= in.readableBytes()) {
                return;
            }
            int b = in.getUnsignedByte(start + i++);
            length |= (long) (b & 0x7f) << shift;
            shift += 7;
            if (length > NodeInfo.MAX_SIZE || i > 5) {
                fail(ctx, new HandshakeException(Reason.INVALID_NODE_INFO, "NodeInfo of " + (i > 5 ? "more than " : "")
                        + length + " bytes over the maximum of " + NodeInfo.MAX_SIZE));
                in.skipBytes(in.readableBytes());
                return;
            }
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (in.readableBytes() < i + length) {
            return;
        }
        in.skipBytes(i);
        DefaultNodeInfo proto;
        try {
            proto = parse(in.nioBuffer(in.readerIndex(), (int) length));
        } catch (HandshakeException e) {
            fail(ctx, e);
            in.skipBytes(in.readableBytes());
            return;
        }
        in.skipBytes((int) length);
        done = true;
        cancelTimer();
        ctx.channel().config().setAutoRead(false);
        try {
            result.complete(NodeInfoProto.fromProto(proto));
        } catch (RuntimeException e) {
            fail(ctx, new HandshakeException(Reason.INVALID_NODE_INFO, "invalid NodeInfo: " + e.getMessage(), e));
        }
    }

    /**
     * Decodes a NodeInfo once its fields are counted on the raw bytes: protobuf would build
     * objects for every field, known or not, before anything could be checked.
     */
    static DefaultNodeInfo parse(ByteBuffer bytes) throws HandshakeException {
        try {
            int fields = countFields(CodedInputStream.newInstance(bytes.duplicate()), true);
            if (fields > NodeInfo.MAX_FIELDS) {
                throw new HandshakeException(Reason.INVALID_NODE_INFO, "NodeInfo of " + bytes.remaining() + " bytes holds "
                        + fields + " fields, more than the maximum of " + NodeInfo.MAX_FIELDS);
            }
            return DefaultNodeInfo.parseFrom(bytes);
        } catch (IOException e) {
            throw new HandshakeException(Reason.INVALID_NODE_INFO, "undecodable NodeInfo: " + e.getMessage(), e);
        }
    }

    /**
     * The fields of a message, and of the protocol version and "other" messages in it when
     * {@code top}. Groups are refused: proto3 never writes them, and protobuf would keep the
     * fields inside one as objects too.
     */
    private static int countFields(CodedInputStream in, boolean top) throws IOException {
        int count = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            count++;
            int type = WireFormat.getTagWireType(tag);
            if (type == WireFormat.WIRETYPE_START_GROUP || type == WireFormat.WIRETYPE_END_GROUP) {
                throw new InvalidProtocolBufferException("field " + WireFormat.getTagFieldNumber(tag)
                        + " is a group, which proto3 never writes");
            }
            int number = WireFormat.getTagFieldNumber(tag);
            boolean nested = top && type == WireFormat.WIRETYPE_LENGTH_DELIMITED
                    && (number == DefaultNodeInfo.PROTOCOL_VERSION_FIELD_NUMBER || number == DefaultNodeInfo.OTHER_FIELD_NUMBER);
            if (nested) {
                int limit = in.pushLimit(in.readRawVarint32());
                count += countFields(in, false);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return count;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, new HandshakeException(Reason.CLOSED, "connection closed during the NodeInfo exchange"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause instanceof HandshakeException h ? h
                : new HandshakeException(Reason.CLOSED, "NodeInfo exchange failed: " + cause.getMessage(), cause));
    }

    private void fail(ChannelHandlerContext ctx, HandshakeException e) {
        done = true;
        cancelTimer();
        if (result.completeExceptionally(e)) {
            ctx.close();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** Removes this handler; bytes it held after the NodeInfo go to the handler after it. */
    static void handOff(io.netty.channel.Channel channel) {
        NodeInfoHandshake handshake = channel.pipeline().get(NodeInfoHandshake.class);
        if (handshake != null) {
            channel.pipeline().remove(handshake);
        }
    }
}
