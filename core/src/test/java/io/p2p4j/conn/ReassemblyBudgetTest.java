package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.ReassemblyBudgetExceededException;
import io.p2p4j.testing.LoopbackConnection;
import io.p2p4j.testing.LoopbackConnections;
import io.p2p4j.testkit.RawPeer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The reassembly budget over real loopback connections: partial messages on several channels
 * summing past it end the peer with a reason; one whole message of a channel's capacity always
 * fits; what a connection keeps after a message.
 */
class ReassemblyBudgetTest {
    private static final MConnectionConfig CONFIG = MConnectionConfig.defaults().unlimited();

    private static List<ChannelDescriptor> channels(int count, int capacity) {
        List<ChannelDescriptor> channels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            channels.add(ChannelDescriptor.builder((byte) (0x20 + i)).recvMessageCapacity(capacity).build());
        }
        return channels;
    }

    @Test
    void partialMessagesOnSeveralChannelsPastTheBudgetEndThePeerWithTheReason() {
        // three channels of 1 MiB each, a budget of 2 MiB: three 700,000-byte partial messages do
        // not fit (each channel alone may hold one), so the third is refused on its way
        MConnectionConfig config = CONFIG.withMaxReassemblyBytes(2 << 20);
        List<ChannelDescriptor> channels = channels(3, 1 << 20);
        ByteBuf wire = Unpooled.buffer();
        ReassemblyHeapTest.writePackets(wire, 0x20, 700_000, 1024, false);
        ReassemblyHeapTest.writePackets(wire, 0x21, 700_000, 1024, false);
        ReassemblyHeapTest.writePackets(wire, 0x22, 700_000, 1024, false);
        byte[] bytes = ReassemblyHeapTest.bytes(wire);
        try (LoopbackConnections loopback = new LoopbackConnections(); LoopbackConnection pair = loopback.connect();
                LoopbackConnection healthy = loopback.connect()) {
            Endpoint victim = new Endpoint(pair.server(), channels, config);
            Endpoint a = new Endpoint(healthy.client(), channels, config);
            Endpoint b = new Endpoint(healthy.server(), channels, config);
            assertThat(victim.connection.status().reassemblyLimit()).isEqualTo(2 << 20);
            RawPeer peer = RawPeer.reading(pair.client());
            peer.write(bytes);
            await().atMost(Duration.ofSeconds(10)).until(() -> !victim.errors.isEmpty() && !peer.isOpen());
            assertThat(victim.errors).singleElement().isInstanceOf(ReassemblyBudgetExceededException.class);
            Matcher reason = Pattern.compile("reassembly budget of 2097152 bytes exceeded on channel 0x22: its message "
                    + "of (\\d+) bytes so far needs (\\d+) more bytes of buffer, and the connection's reassembly "
                    + "already holds (\\d+) bytes").matcher(victim.errors.get(0).getMessage());
            assertThat(reason.matches()).as(victim.errors.get(0).getMessage()).isTrue();
            long soFar = Long.parseLong(reason.group(1));
            long more = Long.parseLong(reason.group(2));
            long held = Long.parseLong(reason.group(3));
            assertThat(soFar).isLessThanOrEqualTo(700_000);
            assertThat(held).isLessThanOrEqualTo(2 << 20);
            assertThat(held + more).as("what it needed did not fit").isGreaterThan(2 << 20);
            assertThat(victim.connection.isRunning()).isFalse();
            // the healthy connection beside it carries a message as large as the budget allows on one channel
            byte[] large = new byte[1 << 20];
            new Random(1).nextBytes(large);
            assertThat(a.connection.send((byte) 0x21, large)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> b.count(0x21) == 1);
            assertThat(b.messages(0x21)).singleElement().isEqualTo(large);
            assertThat(a.errors).isEmpty();
            assertThat(b.errors).isEmpty();
        }
    }

    @Test
    void oneWholeMessageOfAChannelsCapacityFitsWhateverTheSetting() {
        // a setting far below the channel capacity: the limit in effect is the capacity, and a
        // buffer another channel keeps for reuse is given up to make room
        MConnectionConfig config = CONFIG.withMaxReassemblyBytes(64 * 1024);
        List<ChannelDescriptor> channels = channels(2, 1 << 20);
        try (LoopbackConnections loopback = new LoopbackConnections(); LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), channels, config);
            Endpoint receiver = new Endpoint(pair.server(), channels, config);
            assertThat(receiver.connection.status().reassemblyLimit()).isEqualTo(1 << 20);
            byte[] small = new byte[3000]; // three packets: the 4 KiB buffer is kept for reuse
            assertThat(sender.connection.send((byte) 0x20, small)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.count(0x20) == 1);
            assertThat(receiver.connection.status().reassemblyBytes()).isEqualTo(4096);
            byte[] whole = new byte[1 << 20];
            new Random(2).nextBytes(whole);
            assertThat(sender.connection.send((byte) 0x21, whole)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.count(0x21) == 1 || !receiver.errors.isEmpty());
            assertThat(receiver.errors).isEmpty();
            assertThat(receiver.messages(0x21)).singleElement().isEqualTo(whole);
            assertThat(receiver.connection.status().reassemblyBytes()).isZero();
        }
    }

    @Test
    void afterALargeMessageTheConnectionKeepsAtMostTheReceiveBufferCapacity() {
        List<ChannelDescriptor> channels = channels(1, 4 << 20);
        try (LoopbackConnections loopback = new LoopbackConnections(); LoopbackConnection pair = loopback.connect()) {
            Endpoint sender = new Endpoint(pair.client(), channels, CONFIG);
            Endpoint receiver = new Endpoint(pair.server(), channels, CONFIG);
            byte[] large = new byte[3_000_000];
            new Random(3).nextBytes(large);
            byte[] small = new byte[2500];
            assertThat(sender.connection.send((byte) 0x20, large)).isTrue();
            assertThat(sender.connection.send((byte) 0x20, small)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.count(0x20) == 2);
            assertThat(receiver.messages(0x20)).containsExactly(large, small);
            assertThat(receiver.connection.status().reassemblyBytes())
                    .isEqualTo(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY);
        }
    }
}
