package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receive rate limit alone, on an embedded channel whose clock the test moves: reading stops
 * as soon as the budget is spent and starts again exactly when it has refilled.
 */
class ReceiveRateLimiterTest {
    /** 10,000 bytes a second: a burst of 1,000 bytes, and 10 bytes a millisecond after that. */
    private static final long RATE = 10_000;

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ReadGate gate;

    ReceiveRateLimiterTest() {
        channel.freezeTime();
        gate = new ReadGate(channel);
        channel.pipeline().addLast(new ReceiveRateLimiter(new TokenBucket(RATE, channel.eventLoop().ticker()::nanoTime), gate));
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    private void advance(Duration by) {
        channel.advanceTimeBy(by.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    private ByteBuf read(int bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[bytes]);
        channel.writeInbound(buf);
        return buf;
    }

    @Test
    void everyBufferIsPassedOnUnchangedAndReadingGoesOnWithinTheBurst() {
        ByteBuf first = read(400);
        ByteBuf second = read(599);
        assertThat((Object) channel.readInbound()).isSameAs(first);
        assertThat((Object) channel.readInbound()).isSameAs(second);
        assertThat(first.readableBytes()).isEqualTo(400);
        assertThat(channel.config().isAutoRead()).as("one byte of the burst left").isTrue();
        first.release();
        second.release();
    }

    @Test
    void readingStopsAsSoonAsTheBudgetIsSpentAndResumesExactlyWhenItHasRefilled() {
        ByteBuf over = read(1_500); // 500 bytes past the burst: the read still passes on
        assertThat((Object) channel.readInbound()).isSameAs(over);
        over.release();
        assertThat(channel.config().isAutoRead()).isFalse();
        // 501 bytes missing (the 500 over and one to go on with) at 10 bytes a millisecond
        Duration refill = Duration.ofNanos(501 * 1_000_000_000L / RATE);
        advance(refill.minusNanos(1));
        assertThat(channel.config().isAutoRead()).isFalse();
        advance(Duration.ofNanos(1));
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void bytesReadWhileStoppedAreCountedAndPushTheResumeBack() {
        read(1_500);
        // what the socket had read already still arrives after reading was turned off
        ByteBuf late = read(1_000);
        assertThat(channel.inboundMessages()).hasSize(2);
        channel.releaseInbound();
        assertThat(late.refCnt()).isZero();
        Duration firstRefill = Duration.ofNanos(501 * 1_000_000_000L / RATE);
        advance(firstRefill);
        assertThat(channel.config().isAutoRead()).as("the late 1,000 bytes are owed too").isFalse();
        advance(Duration.ofMillis(100).minusNanos(1));
        assertThat(channel.config().isAutoRead()).isFalse();
        advance(Duration.ofNanos(1));
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aConsumerThatIsBehindKeepsReadingStoppedAfterTheRateHasRefilled() {
        gate.pause(ReadGate.CONSUMER);
        read(1_500);
        channel.releaseInbound();
        advance(Duration.ofSeconds(1));
        assertThat(channel.config().isAutoRead()).isFalse();
        gate.resume(ReadGate.CONSUMER);
        assertThat(channel.config().isAutoRead()).isTrue();
    }
}
