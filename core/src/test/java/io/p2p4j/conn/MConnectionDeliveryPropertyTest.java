package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testkit.FaultProxy;
import io.p2p4j.testing.LoopbackConnections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Scenario 11 of hostile-peers.md: exactly-once, in-order, byte-exact delivery per channel for
 * random messages (empty, 1024, 1025 and up to 2 MiB), 1 to 8 channels with random priorities
 * and one concurrent sender per channel, through a proxy that cuts the stream into small
 * segments and delays some of them.
 */
class MConnectionDeliveryPropertyTest {
    private static LoopbackConnections loopback;

    @BeforeContainer
    static void start() {
        loopback = new LoopbackConnections();
    }

    @AfterContainer
    static void stop() {
        loopback.close();
    }

    @Property(tries = 30)
    void scenario11_exactlyOnceInOrderDeliveryUnderHostileScheduling(
            @ForAll @IntRange(min = 1, max = 8) int channelCount,
            @ForAll("priorities") List<Integer> priorities,
            @ForAll("sizes") List<Integer> sizes,
            @ForAll long seed) throws Exception {
        deliverThroughProxy(channelCount, priorities, sizes, seed, 1500);
    }

    /** The same with every write cut into 1-byte segments: small messages, as each byte is a segment of its own. */
    @Property(tries = 10)
    void scenario11_exactlyOnceInOrderDeliveryInOneByteSegments(
            @ForAll @IntRange(min = 1, max = 4) int channelCount,
            @ForAll("priorities") List<Integer> priorities,
            @ForAll("smallSizes") List<Integer> sizes,
            @ForAll long seed) throws Exception {
        deliverThroughProxy(channelCount, priorities, sizes, seed, 1);
    }

    private void deliverThroughProxy(int channelCount, List<Integer> priorities, List<Integer> sizes, long seed,
            int maxSegment) throws Exception {
        List<ChannelDescriptor> channels = new ArrayList<>();
        for (int i = 0; i < channelCount; i++) {
            channels.add(ChannelDescriptor.builder((byte) (0x10 + i)).priority(priorities.get(i % priorities.size()))
                    .sendQueueCapacity(1 + i % 3).recvMessageCapacity(4 << 20).build());
        }
        // every channel may be in the middle of a message of its full capacity at once
        MConnectionConfig config = MConnectionConfig.defaults().unlimited().withMaxReassemblyBytes(channelCount * (4L << 20));
        Random random = new Random(seed);
        // each channel sends a random slice of the size list
        List<List<byte[]>> plans = new ArrayList<>();
        for (int c = 0; c < channelCount; c++) {
            List<byte[]> plan = new ArrayList<>();
            int n = 1 + random.nextInt(6);
            for (int i = 0; i < n; i++) {
                byte[] msg = new byte[sizes.get(random.nextInt(sizes.size()))];
                random.nextBytes(msg);
                plan.add(msg);
            }
            plans.add(plan);
        }
        List<FaultProxy> proxies = new ArrayList<>();
        LoopbackConnection pair = loopback.connect(target -> {
            FaultProxy proxy = new FaultProxy(loopback.eventLoops(), target, maxSegment, 5, seed);
            proxies.add(proxy);
            return proxy.start();
        });
        try (pair; FaultProxy proxy = proxies.get(0)) {
            {
                Endpoint a = new Endpoint(pair.client(), channels, config);
                Endpoint b = new Endpoint(pair.server(), channels, config);
                List<Thread> senders = new ArrayList<>();
                for (int c = 0; c < channelCount; c++) {
                    ChannelDescriptor channel = channels.get(c);
                    List<byte[]> plan = plans.get(c);
                    senders.add(Thread.ofVirtual().start(() -> {
                        for (byte[] msg : plan) {
                            assertThat(a.connection.send(channel.id(), msg)).isTrue();
                        }
                    }));
                }
                for (Thread sender : senders) {
                    assertThat(sender.join(Duration.ofSeconds(60))).isTrue();
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    for (int c = 0; c < channelCount; c++) {
                        if (b.count(channels.get(c).unsignedId()) < plans.get(c).size()) {
                            return false;
                        }
                    }
                    return true;
                });
                for (int c = 0; c < channelCount; c++) {
                    assertThat(b.messages(channels.get(c).unsignedId())).containsExactlyElementsOf(plans.get(c));
                }
                assertThat(a.errors).isEmpty();
                assertThat(b.errors).isEmpty();
                a.connection.close();
                b.connection.close();
            }
        }
    }

    @Provide
    Arbitrary<List<Integer>> priorities() {
        return Arbitraries.integers().between(1, 10).list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Integer>> smallSizes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(0, 1, 1023, 1024, 1025)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 3000)))
                .list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(0, 1, 1023, 1024, 1025, 2048)),
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 70_000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 2 << 20)))
                .list().ofMinSize(1).ofMaxSize(10);
    }
}
