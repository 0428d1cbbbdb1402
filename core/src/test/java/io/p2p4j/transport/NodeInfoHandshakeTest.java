package io.p2p4j.transport;

import io.p2p4j.net.HandshakeException;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.proto.DefaultNodeInfo;
import io.p2p4j.testkit.HostilePeer;
import io.p2p4j.net.HandshakeException.Reason;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The NodeInfo exchange on an embedded channel whose clock the test moves: bytes in, a NodeInfo
 * or an error out. Only what the transport uses is touched (the constructor, {@code begin},
 * {@code result}, {@code handOff}), so these tests hold whatever base class the stage has.
 */
class NodeInfoHandshakeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final NodeInfo OURS = nodeInfo("ours");
    private static final NodeInfo THEIRS = nodeInfo("theirs");

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final NodeInfoHandshake handshake = new NodeInfoHandshake(OURS, TIMEOUT);
    /** What passes the handshake: the next stage's bytes. */
    private final ByteBuf passedOn = Unpooled.buffer();

    NodeInfoHandshakeTest() {
        channel.freezeTime();
        channel.config().setAutoRead(false); // as after the SecretConnection handshake
        channel.pipeline().addLast(handshake, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                passedOn.writeBytes(buf);
                buf.release();
            }
        });
    }

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
        passedOn.release();
    }

    private static NodeInfo nodeInfo(String moniker) {
        return NodeInfo.of(NodeKey.generate().id(), "tcp://127.0.0.1:26656", "test-chain", NodeInfo.DEFAULT_VERSION,
                new byte[] {0x20, 0x21}, moniker);
    }

    private void begin() {
        channel.eventLoop().execute(handshake::begin);
        channel.runPendingTasks();
    }

    private void read(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    private byte[] written() {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; buf.release()) {
            all.writeBytes(buf);
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    private HandshakeException failure() {
        CompletableFuture<NodeInfo> result = handshake.result();
        assertThat(result).isCompletedExceptionally();
        Throwable cause = result.handle((info, e) -> e).join();
        assertThat(cause).isInstanceOf(HandshakeException.class);
        return (HandshakeException) cause;
    }

    @Test
    void aValidExchangeWritesOursAsOneDelimitedMessageAndYieldsTheirs() {
        begin();
        assertThat(written()).containsExactly(HostilePeer.delimited(NodeInfoProto.toProto(OURS).toByteArray()));
        read(HostilePeer.delimited(NodeInfoProto.toProto(THEIRS).toByteArray()));
        assertThat(handshake.result()).isCompletedWithValue(THEIRS);
        advance(TIMEOUT.multipliedBy(2)); // its timer is gone: no late failure
        assertThat(handshake.result()).isCompletedWithValue(THEIRS);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void bytesBeforeBeginAndInPiecesMakeOneNodeInfoAndWhatFollowsIsHandedToTheNextStage() {
        byte[] theirs = HostilePeer.delimited(NodeInfoProto.toProto(THEIRS).toByteArray());
        byte[] next = {1, 2, 3};
        read(Arrays.copyOfRange(theirs, 0, 7)); // early: kept until the exchange begins
        assertThat(handshake.result()).isNotDone();
        begin();
        for (int i = 7; i < theirs.length; i++) {
            assertThat(handshake.result()).isNotDone();
            read(new byte[] {theirs[i]});
        }
        read(next);
        assertThat(handshake.result()).isCompletedWithValue(THEIRS);
        assertThat(passedOn.readableBytes()).as("held until the hand-off").isZero();
        NodeInfoHandshake.handOff(channel);
        assertThat(ByteBufUtil.getBytes(passedOn)).containsExactly(next);
    }

    /** Begins, reads {@code bytes} from the peer, and checks they end the exchange as an invalid NodeInfo. */
    private void assertRefusedAsInvalid(byte[] bytes, String messageStart) {
        begin();
        read(bytes);
        HandshakeException e = failure();
        assertThat(e.reason()).isEqualTo(Reason.INVALID_NODE_INFO);
        assertThat(e).hasMessageStartingWith(messageStart);
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aLengthOverTheMaximumIsRefusedBeforeAnyOfItIsBuffered() {
        assertRefusedAsInvalid(varint(NodeInfo.MAX_SIZE + 1), "NodeInfo of 10241 bytes over the maximum of 10240");
    }

    @Test
    void aLengthPrefixLongerThanAVarintIsRefused() {
        byte[] elevenBytes = new byte[11];
        java.util.Arrays.fill(elevenBytes, (byte) 0x80);
        assertRefusedAsInvalid(elevenBytes, "malformed NodeInfo length prefix");
    }

    @Test
    void bytesThatAreNoProtobufAreRefusedAsUndecodable() {
        assertRefusedAsInvalid(HostilePeer.delimited(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}),
                "undecodable NodeInfo: ");
    }

    @Test
    void aWellFormedNodeInfoWithAnInvalidIdIsRefusedNamingTheField() {
        DefaultNodeInfo bad = NodeInfoProto.toProto(THEIRS).toBuilder().setDefaultNodeId("not-a-node-id").build();
        assertRefusedAsInvalid(HostilePeer.delimited(bad.toByteArray()), "invalid NodeInfo: invalid node id");
    }

    @Test
    void aPeerThatSendsNothingIsRefusedExactlyWhenTheTimeoutPasses() {
        begin();
        read(Arrays.copyOfRange(HostilePeer.delimited(NodeInfoProto.toProto(THEIRS).toByteArray()), 0, 10)); // a start, never the rest
        advance(TIMEOUT.minusNanos(1));
        assertThat(handshake.result()).isNotDone();
        advance(Duration.ofNanos(1));
        HandshakeException e = failure();
        assertThat(e.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(e).hasMessage("NodeInfo exchange did not complete within 20000 ms");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aPeerThatClosesDuringTheExchangeIsReportedAsClosed() {
        begin();
        channel.close();
        HandshakeException e = failure();
        assertThat(e.reason()).isEqualTo(Reason.CLOSED);
        assertThat(e).hasMessage("connection closed during the NodeInfo exchange");
    }

    private static byte[] varint(int value) {
        byte[] withEmptyBody = HostilePeer.delimited(new byte[value]);
        return Arrays.copyOf(withEmptyBody, withEmptyBody.length - value);
    }
}
