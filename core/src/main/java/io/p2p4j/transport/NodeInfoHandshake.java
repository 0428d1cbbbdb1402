package io.p2p4j.transport;

import io.p2p4j.net.HandshakeException;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.secret.SecretConnectionHandshake;
import io.p2p4j.internal.HandshakeStage;
import io.p2p4j.internal.Varint;
import io.p2p4j.proto.DefaultNodeInfo;
import io.p2p4j.net.HandshakeException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

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
 * <p>Outside the exchange, before {@link #begin} and after the NodeInfo, it reads nothing more
 * (it turns auto-read off), so a peer streaming right after its NodeInfo cannot pile bytes up
 * here for as long as peer filters and the start of the peer take. What it holds is therefore
 * at most what came in the socket read that carried the end of the NodeInfo. If the next stage
 * turns auto-read on before removing this handler (an MConnection does as it starts), the first
 * bytes read then hand off at once rather than gather here.
 */
final class NodeInfoHandshake extends HandshakeStage<NodeInfo, HandshakeException> {
    private final NodeInfo ours;
    private final Duration timeout;
    private ChannelHandlerContext ctx;
    private boolean begun;

    NodeInfoHandshake(NodeInfo ours, Duration timeout) {
        super("NodeInfo exchange", 256);
        this.ours = ours;
        this.timeout = timeout;
    }

    @Override
    protected HandshakeException failure(String message, Throwable cause) {
        return cause instanceof HandshakeException h ? h : new HandshakeException(Reason.CLOSED, message, cause);
    }

    @Override
    protected HandshakeException timeout(String message) {
        return new HandshakeException(Reason.TIMEOUT, message);
    }

    @Override
    protected void added(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts the exchange: sends our NodeInfo and reads the peer's. Event loop only. */
    void begin() {
        if (begun || ctx == null || ctx.isRemoved() || result().isDone()) {
            return;
        }
        begun = true;
        startDeadline(ctx, timeout);
        byte[] encoded = NodeInfoProto.toProto(ours).toByteArray();
        ByteBuf out = ctx.alloc().buffer(Varint.size(encoded.length) + encoded.length);
        Varint.write(out, encoded.length);
        out.writeBytes(encoded);
        send(ctx, out, "our NodeInfo");
        ctx.channel().config().setAutoRead(true);
        ctx.read();
        bytesArrived(ctx, held()); // decode what came before we began
    }

    @Override
    protected void bytesArrived(ChannelHandlerContext ctx, ByteBuf held) {
        if (!begun) {
            ctx.channel().config().setAutoRead(false); // begin() reads again
            return;
        }
        if (!result().isDone()) {
            decode(ctx, held);
        }
        if (succeeded() && !ctx.isRemoved() && ctx.channel().config().isAutoRead()) {
            leave(ctx); // the next stage turned reading on: it is in place
        }
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        long length = Varint.read(in);
        if (length == Varint.TRUNCATED) {
            return;
        }
        if (length == Varint.MALFORMED) {
            fail(ctx, new HandshakeException(Reason.INVALID_NODE_INFO, "malformed NodeInfo length prefix (over 63 bits)"));
            return;
        }
        if (length > NodeInfo.MAX_SIZE) {
            fail(ctx, new HandshakeException(Reason.INVALID_NODE_INFO, "NodeInfo of " + length
                    + " bytes over the maximum of " + NodeInfo.MAX_SIZE));
            return;
        }
        if (in.readableBytes() < length) {
            in.readerIndex(start); // the prefix again, once the rest has come
            return;
        }
        DefaultNodeInfo proto;
        try {
            proto = parse(in.nioBuffer(in.readerIndex(), (int) length));
        } catch (HandshakeException e) {
            fail(ctx, e);
            return;
        }
        in.skipBytes((int) length);
        ctx.channel().config().setAutoRead(false);
        SecretConnectionHandshake.connectionSetUp(ctx.pipeline());
        NodeInfo info;
        try {
            info = NodeInfoProto.fromProto(proto);
        } catch (RuntimeException e) {
            fail(ctx, new HandshakeException(Reason.INVALID_NODE_INFO, "invalid NodeInfo: " + e.getMessage(), e));
            return;
        }
        succeed(info);
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

    /** Removes this handler; bytes it held after the NodeInfo go to the handler after it. */
    static void handOff(io.netty.channel.Channel channel) {
        NodeInfoHandshake handshake = channel.pipeline().get(NodeInfoHandshake.class);
        if (handshake != null) {
            channel.pipeline().remove(handshake);
        }
    }
}
