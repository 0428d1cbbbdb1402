package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.conn.MConnectionException.ReassemblyBudgetExceededException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reassembly of incoming packets: what a channel holds between packets, and its limit. */
class ChannelStateTest {
    private static ChannelState channel(int recvBufferCapacity, int recvMessageCapacity) {
        return new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvBufferCapacity(recvBufferCapacity)
                .recvMessageCapacity(recvMessageCapacity).build(), 1024);
    }

    private static byte[] bytes(int from, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void holdsNothingBeforeDataArrivesAndAtMostTheReceiveBufferAfterAMessageCompletes() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 1 << 20);
        assertThat(state.reassemblyBytes()).isZero();
        byte[] single = bytes(0, 700);
        assertThat(state.receivePacket(single, true, 706)).isSameAs(single); // no copy
        assertThat(state.reassemblyBytes()).isZero();

        assertThat(state.receivePacket(bytes(0, 1024), false, 1030)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(4096); // one buffer of the receive buffer capacity
        assertThat(state.receivePacket(bytes(1024, 1024), false, 1030)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(4096);
        assertThat(state.receivePacket(bytes(2048, 10), true, 16)).isEqualTo(bytes(0, 2058));
        assertThat(state.reassemblyBytes()).as("kept for reuse: no larger than the receive buffer").isEqualTo(4096);
        assertThat(state.messagesReceived).isEqualTo(2);
        assertThat(state.bytesReceived).isEqualTo(706 + 1030 + 1030 + 16);

        // a larger message doubles the buffer as data arrives, and the buffer is dropped after it
        for (int i = 0; i < 9; i++) {
            assertThat(state.receivePacket(bytes(i * 1024, 1024), false, 1030)).isNull();
        }
        assertThat(state.reassemblyBytes()).isEqualTo(16 * 1024);
        assertThat(state.receivePacket(bytes(9 * 1024, 1), true, 7)).isEqualTo(bytes(0, 9 * 1024 + 1));
        assertThat(state.reassemblyBytes()).isZero();
        // a single-packet message is still handed on as it came
        assertThat(state.receivePacket(single, true, 706)).isSameAs(single);
    }

    @Test
    void aMessageThatFillsTheBufferExactlyIsHandedOnWithoutACopy() throws Exception {
        ChannelState state = channel(2048, 1 << 20);
        state.receivePacket(bytes(0, 1024), false, 1030);
        byte[] message = state.receivePacket(bytes(1024, 1024), true, 1030);
        assertThat(message).isEqualTo(bytes(0, 2048));
        assertThat(state.reassemblyBytes()).as("the buffer went with the message").isZero();
    }

    @Test
    void oneBytePacketsCostTheBufferNotAnArrayEach() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 1 << 20);
        for (int i = 0; i < 100_000; i++) {
            state.receivePacket(new byte[] {(byte) i}, false, 7);
        }
        assertThat(state.reassemblyBytes()).isEqualTo(128 * 1024); // at most twice the data
    }

    @Test
    void theBufferNeverGrowsPastTheChannelCapacity() throws Exception {
        ChannelState state = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvBufferCapacity(4096)
                .recvMessageCapacity(5000).build(), 1024, new ReassemblyBudget(1 << 20, () -> { }));
        state.receivePacket(bytes(0, 4096), false, 4102);
        state.receivePacket(bytes(0, 1), false, 7);
        assertThat(state.reassemblyBytes()).isEqualTo(5000); // not 8 KiB
    }

    @Test
    void aLargeMessageLeavesRoomInTheBudgetForAnotherChannel() throws Exception {
        List<ChannelState> channels = new ArrayList<>();
        ReassemblyBudget budget = new ReassemblyBudget(1 << 20, () -> channels.forEach(ChannelState::dropIdleBuffer));
        ChannelState large = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20)
                .build(), 1024, budget);
        ChannelState small = new ChannelState(ChannelDescriptor.builder((byte) 0x21).build(), 1024, budget);
        channels.addAll(List.of(large, small));
        for (int i = 0; i < 600; i++) {
            large.receivePacket(bytes(i, 1000), false, 1006);
        }
        // doubling would have taken the whole budget; the buffer took half of what was left
        assertThat(large.reassemblyBytes()).isLessThan(1 << 20).isGreaterThanOrEqualTo(600_000);
        assertThat(budget.used()).isEqualTo(large.reassemblyBytes());
        small.receivePacket(bytes(0, 1024), false, 1030);
        assertThat(small.receivePacket(bytes(1024, 1024), true, 1030)).isEqualTo(bytes(0, 2048));
        assertThat(budget.used()).isEqualTo(large.reassemblyBytes() + small.reassemblyBytes());
    }

    @Test
    void aBufferKeptForReuseIsGivenUpWhenAnotherChannelNeedsTheRoom() throws Exception {
        List<ChannelState> channels = new ArrayList<>();
        ReassemblyBudget budget = new ReassemblyBudget(64 * 1024, () -> channels.forEach(ChannelState::dropIdleBuffer));
        ChannelState idle = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvBufferCapacity(8192)
                .recvMessageCapacity(64 * 1024).build(), 1024, budget);
        ChannelState busy = new ChannelState(ChannelDescriptor.builder((byte) 0x21).recvMessageCapacity(64 * 1024)
                .build(), 1024, budget);
        channels.addAll(List.of(idle, busy));
        idle.receivePacket(bytes(0, 1024), false, 1030);
        idle.receivePacket(bytes(0, 1024), true, 1030);
        assertThat(idle.reassemblyBytes()).isEqualTo(8192);
        for (int i = 0; i < 63; i++) {
            busy.receivePacket(bytes(i, 1024), false, 1030);
        }
        assertThat(busy.receivePacket(bytes(63, 1024), true, 1030)).hasSize(64 * 1024);
        assertThat(idle.reassemblyBytes()).isZero();
        assertThat(budget.used()).isZero();
    }

    @Test
    void aPieceOverTheBudgetIsRefusedBeforeItIsStored() throws Exception {
        ReassemblyBudget budget = new ReassemblyBudget(4096, () -> { });
        ChannelState a = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(4096).build(),
                1024, budget);
        ChannelState b = new ChannelState(ChannelDescriptor.builder((byte) 0x21).recvMessageCapacity(4096).build(),
                1024, budget);
        for (int i = 0; i < 4; i++) {
            a.receivePacket(bytes(0, 1024), false, 1030);
        }
        assertThat(a.reassemblyBytes()).isEqualTo(4096);
        assertThatThrownBy(() -> b.receivePacket(bytes(0, 1024), false, 1030))
                .isInstanceOf(ReassemblyBudgetExceededException.class)
                .hasMessage("reassembly budget of 4096 bytes exceeded on channel 0x21: its message of 1024 bytes so far "
                        + "needs 1024 more bytes of buffer, and the connection's reassembly already holds 4096 bytes");
        assertThat(b.reassemblyBytes()).isZero();
        assertThat(b.bytesReceived).isZero();
    }

    @Test
    void anEmptyFinalPacketEndsTheMessage() throws Exception {
        ChannelState state = channel(16, 4096);
        assertThat(state.receivePacket(bytes(0, 1024), false, 1030)).isNull();
        assertThat(state.receivePacket(new byte[0], true, 6)).isEqualTo(bytes(0, 1024));
        assertThat(state.receivePacket(new byte[0], true, 6)).isEmpty(); // an empty message
    }

    @Test
    void aMessageOverTheCapacityIsRefusedBeforeItsPacketIsKept() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 2000);
        assertThat(state.receivePacket(bytes(0, 1024), false, 1030)).isNull();
        assertThatThrownBy(() -> state.receivePacket(bytes(0, 977), true, 983))
                .isInstanceOf(MessageTooLargeException.class)
                .hasMessage("message of at least 2001 bytes over the channel 0x20 limit of 2000 bytes");
        assertThat(state.reassemblyBytes()).isBetween(1024, 2000); // the buffer, within the capacity
        state.release();
        assertThat(state.reassemblyBytes()).isZero();
        // exactly the capacity is fine
        ChannelState exact = channel(1, 2000);
        exact.receivePacket(bytes(0, 1024), false, 1030);
        assertThat(exact.receivePacket(bytes(1024, 976), true, 982)).isEqualTo(bytes(0, 2000));
    }
}
