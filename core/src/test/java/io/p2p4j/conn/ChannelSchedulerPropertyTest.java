package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p2p4j.conn.ChannelDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Under saturation the scheduler gives each channel a share of the bytes that follows its
 * priority: for random priorities and random message mixes, every share is within ±10 % of
 * the ideal one.
 */
class ChannelSchedulerPropertyTest {

    @Property(tries = 30)
    void sharesFollowPrioritiesUnderSaturation(
            @ForAll @Size(min = 1, max = 6) List<@IntRange(min = 1, max = 20) Integer> priorities,
            @ForAll("messageMixes") List<Integer> messageSizes,
            @ForAll long seed) {
        Random random = new Random(seed);
        List<ChannelState> channels = new ArrayList<>();
        for (int i = 0; i < priorities.size(); i++) {
            ChannelDescriptor d = ChannelDescriptor.builder((byte) (0x20 + i)).priority(priorities.get(i))
                    .sendQueueCapacity(2).build();
            channels.add(new ChannelState(d, 1024));
        }
        ChannelScheduler scheduler = new ChannelScheduler(channels);
        ByteBuf scratch = Unpooled.buffer(2048);
        long[] bytes = new long[channels.size()];
        try {
            for (int packet = 0; packet < 20_000; packet++) {
                for (ChannelState channel : channels) { // every channel always has data
                    while (channel.queue.tryOffer(new byte[messageSizes.get(random.nextInt(messageSizes.size()))])) {
                        // fill the queue
                    }
                }
                ChannelState next = scheduler.next();
                scratch.clear();
                bytes[channels.indexOf(next)] += next.writeNextPacket(scratch);
                if (packet % 2_000 == 1_999) {
                    scheduler.decay();
                }
            }
        } finally {
            scratch.release();
        }
        long total = 0;
        for (long b : bytes) {
            total += b;
        }
        int prioritySum = priorities.stream().mapToInt(Integer::intValue).sum();
        for (int i = 0; i < channels.size(); i++) {
            double ideal = (double) priorities.get(i) / prioritySum;
            double share = (double) bytes[i] / total;
            assertThat(share).as("channel %d priority %d of %s", i, priorities.get(i), priorities)
                    .isBetween(ideal * 0.9, ideal * 1.1);
        }
    }

    @Provide
    Arbitrary<List<Integer>> messageMixes() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(0, 100),
                Arbitraries.integers().between(1000, 1100),
                Arbitraries.integers().between(1, 70_000))
                .list().ofMinSize(1).ofMaxSize(8);
    }
}
