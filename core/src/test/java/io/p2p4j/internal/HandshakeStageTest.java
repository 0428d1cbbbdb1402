package io.p2p4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HandshakeStageTest {
    static final class StageException extends IOException {
        StageException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A stage that sends "hi" as it is added and reads one byte: 1 succeeds (and it leaves when
     * {@code leaveAtOnce}), anything else fails.
     */
    static final class OneByteStage extends HandshakeStage<String, StageException> {
        private final boolean leaveAtOnce;

        OneByteStage(boolean leaveAtOnce) {
            super("one-byte exchange", 16);
            this.leaveAtOnce = leaveAtOnce;
        }

        @Override
        protected StageException failure(String message, Throwable cause) {
            return new StageException(message, cause);
        }

        @Override
        protected void added(ChannelHandlerContext ctx) {
            startDeadline(ctx, Duration.ofSeconds(3));
            send(ctx, Unpooled.copiedBuffer(new byte[] {'h', 'i'}), "the greeting");
        }

        @Override
        protected void bytesArrived(ChannelHandlerContext ctx, ByteBuf held) {
            if (result().isDone() || !held.isReadable()) {
                return;
            }
            if (held.readByte() != 1) {
                fail(ctx, new StageException("expected 1", null));
                return;
            }
            succeed("ok");
            if (leaveAtOnce) {
                leave(ctx);
            }
        }
    }

    /** A channel with {@code stage} in it, its greeting read. */
    private static EmbeddedChannel started(OneByteStage stage) {
        EmbeddedChannel channel = new EmbeddedChannel(stage);
        ByteBuf greeting = channel.readOutbound();
        assertThat(greeting.toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
        greeting.release();
        return channel;
    }

    private static String readAll(EmbeddedChannel channel) {
        StringBuilder s = new StringBuilder();
        for (ByteBuf b; (b = channel.readInbound()) != null; ) {
            s.append(new String(ByteBufUtil.getBytes(b)));
            b.release();
        }
        return s.toString();
    }

    @Test
    void bytesAfterTheStageGoOnToTheNextHandlerWhenItLeaves() throws Exception {
        OneByteStage stage = new OneByteStage(false);
        EmbeddedChannel channel = started(stage);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 'a', 'b'}));
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'c'}));
        assertThat(stage.result().get(1, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(readAll(channel)).as("held until the stage leaves").isEmpty();
        channel.pipeline().remove(stage);
        assertThat(readAll(channel)).isEqualTo("abc");
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'d'}));
        assertThat(readAll(channel)).isEqualTo("d");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aStageThatLeavesAtOncePassesOnWhatCameWithItsLastByte() {
        OneByteStage stage = new OneByteStage(true);
        EmbeddedChannel channel = started(stage);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 'x'}));
        assertThat(readAll(channel)).isEqualTo("x");
        assertThat(channel.pipeline().get(OneByteStage.class)).isNull();
        channel.finishAndReleaseAll();
    }

    @Test
    void aStageFailsOnceClosesTheConnectionAndDropsWhatItHeld() {
        OneByteStage stage = new OneByteStage(false);
        EmbeddedChannel channel = started(stage);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 'x'}));
        assertThat(channel.isOpen()).isFalse();
        assertThat(failure(stage)).isInstanceOf(StageException.class).hasMessage("expected 1");
        assertThat(readAll(channel)).isEmpty();
        channel.finishAndReleaseAll(); // the leak check of the build fails if the held buffer is not released
    }

    @Test
    void theDeadlineFailsAStageThatDoesNotEndInTime() {
        OneByteStage stage = new OneByteStage(false);
        EmbeddedChannel channel = started(stage);
        channel.advanceTimeBy(3, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(failure(stage)).isInstanceOf(StageException.class)
                .hasMessage("one-byte exchange did not complete within 3000 ms");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aClosedConnectionFailsTheStage() {
        OneByteStage stage = new OneByteStage(false);
        EmbeddedChannel channel = started(stage);
        channel.close();
        assertThat(failure(stage)).hasMessage("connection closed during the one-byte exchange");
    }

    private static Throwable failure(OneByteStage stage) {
        assertThat(stage.result()).isCompletedExceptionally();
        try {
            stage.result().get();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("not failed");
    }
}
