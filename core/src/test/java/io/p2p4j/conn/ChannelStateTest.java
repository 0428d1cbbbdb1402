package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
import io.p2p4j.conn.MConnectionException.ReassemblyBudgetExceededException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Reassembly of incoming packets: what a channel holds between packets (its data plus less than
 * one block, never past its capacity), what it keeps after a message, and its limits.
 */
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

    /** A packet's data handed to the channel in a read buffer of its own, as the decoder does. */
    private static byte[] receive(ChannelState state, byte[] data, boolean eof, int packetBytes) throws Exception {
        return state.receivePacket(Unpooled.wrappedBuffer(data), 0, data.length, eof, packetBytes);
    }

    @Test
    void blocksFollowTheReceiveBufferCapacityWithinBounds() {
        assertThat(ChannelState.blockSize(ChannelDescriptor.of((byte) 1, 1))).isEqualTo(4096); // CometBFT's default
        assertThat(ChannelState.blockSize(ChannelDescriptor.builder((byte) 1).recvBufferCapacity(50 * 4096).build()))
                .isEqualTo(ChannelState.MAX_BLOCK_BYTES);
        assertThat(ChannelState.blockSize(ChannelDescriptor.builder((byte) 1).recvBufferCapacity(16).build()))
                .isEqualTo(ChannelState.MIN_BLOCK_BYTES);
    }

    @Test
    void holdsNothingBeforeDataArrivesAndItsDataPlusLessThanOneBlockWhileAMessageIsInProgress() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 1 << 20);
        assertThat(state.reassemblyBytes()).isZero();
        ByteBuf read = Unpooled.wrappedBuffer(bytes(100, 1000));
        assertThat(state.receivePacket(read, 50, 700, true, 706)).isEqualTo(bytes(150, 700)); // its one copy
        assertThat(state.reassemblyBytes()).isZero();

        assertThat(receive(state, bytes(0, 1024), false, 1030)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(4096); // one block of the receive buffer capacity
        assertThat(receive(state, bytes(1024, 1024), false, 1030)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(4096);
        assertThat(receive(state, bytes(2048, 10), true, 16)).isEqualTo(bytes(0, 2058));
        assertThat(state.reassemblyBytes()).as("the first block, kept for reuse").isEqualTo(4096);
        assertThat(state.messagesReceived).isEqualTo(2);
        assertThat(state.bytesReceived).isEqualTo(706 + 1030 + 1030 + 16);

        // a larger message takes a block at a time, and nothing stays after it
        for (int i = 0; i < 9; i++) {
            assertThat(receive(state, bytes(i * 1024, 1024), false, 1030)).isNull();
            assertThat(state.reassemblyBytes()).isGreaterThanOrEqualTo((i + 1) * 1024L)
                    .isLessThan((i + 1) * 1024L + 4096);
        }
        assertThat(state.reassemblyBytes()).isEqualTo(3 * 4096);
        assertThat(receive(state, bytes(9 * 1024, 1), true, 7)).isEqualTo(bytes(0, 9 * 1024 + 1));
        assertThat(state.reassemblyBytes()).isZero();
        // a single-packet message is still handed on with nothing held
        assertThat(receive(state, bytes(0, 700), true, 706)).isEqualTo(bytes(0, 700));
        assertThat(state.reassemblyBytes()).isZero();
    }

    @Test
    void aMessageThatFillsItsOnlyBlockExactlyIsHandedOnWithoutACopy() throws Exception {
        ChannelState state = channel(2048, 1 << 20);
        receive(state, bytes(0, 1024), false, 1030);
        byte[] message = receive(state, bytes(1024, 1024), true, 1030);
        assertThat(message).isEqualTo(bytes(0, 2048));
        assertThat(state.reassemblyBytes()).as("the block went with the message").isZero();
    }

    @Test
    void oneBytePacketsCostTheirDataPlusLessThanOneBlock() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 1 << 20);
        for (int i = 0; i < 100_000; i++) {
            receive(state, new byte[] {(byte) i}, false, 7);
        }
        assertThat(state.reassemblyBytes()).isEqualTo(25 * 4096); // 102,400 for 100,000 bytes of data
        byte[] expected = new byte[100_000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) i;
        }
        assertThat(receive(state, new byte[0], true, 6)).isEqualTo(expected);
    }

    @Test
    void whatIsHeldStaysUnderTheDataPlusOneBlockForAnyPieces() throws Exception {
        Random random = new Random(42);
        for (int recvBuffer : new int[] {1, 1000, 4096, 5000, 16 * 1024, 200 * 1024}) {
            int capacity = 300_000;
            ChannelState state = channel(recvBuffer, capacity);
            int block = ChannelState.blockSize(state.descriptor);
            for (int message = 0; message < 5; message++) {
                int length = random.nextInt(capacity + 1);
                byte[] expected = new byte[length];
                random.nextBytes(expected);
                ByteBuf wire = Unpooled.wrappedBuffer(new byte[7], expected); // data at an offset in the read buffer
                int offset = 0;
                byte[] whole = null;
                boolean eof = false;
                for (int pieces = 0; !eof; pieces++) {
                    assertThat(pieces).as("pieces of one message").isLessThan(100_000);
                    int piece = Math.min(length - offset, random.nextInt(3) == 0 ? random.nextInt(40_000) : random.nextInt(1025));
                    eof = offset + piece == length;
                    whole = state.receivePacket(wire, 7 + offset, piece, eof, piece + 6);
                    offset += piece;
                    if (!eof) {
                        assertThat(whole).isNull();
                        assertThat(state.reassemblyBytes()).as("data %d, block %d", offset, block)
                                .isGreaterThanOrEqualTo(offset).isLessThan(offset + (long) block)
                                .isLessThanOrEqualTo(capacity);
                    }
                }
                assertThat(whole).isEqualTo(expected);
                assertThat(state.reassemblyBytes()).as("kept after a message")
                        .isLessThanOrEqualTo(Math.min(recvBuffer, block));
            }
        }
    }

    @Test
    void theBlocksNeverGoPastTheChannelCapacity() throws Exception {
        ChannelState state = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvBufferCapacity(4096)
                .recvMessageCapacity(5000).build(), 1024, new ReassemblyBudget(1 << 20, () -> { }));
        receive(state, bytes(0, 4096), false, 4102);
        receive(state, bytes(0, 1), false, 7);
        assertThat(state.reassemblyBytes()).isEqualTo(5000); // the second block ends at the capacity
        assertThat(receive(state, bytes(1, 903), true, 909)).hasSize(5000);
    }

    @Test
    void aLargeMessageHoldsItsDataPlusLessThanOneBlockSoAnotherChannelFits() throws Exception {
        List<ChannelState> channels = new ArrayList<>();
        ReassemblyBudget budget = new ReassemblyBudget(1 << 20, () -> channels.forEach(ChannelState::dropIdleBuffer));
        ChannelState large = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20)
                .build(), 1024, budget);
        ChannelState small = new ChannelState(ChannelDescriptor.builder((byte) 0x21).build(), 1024, budget);
        channels.addAll(List.of(large, small));
        for (int i = 0; i < 1000; i++) {
            receive(large, bytes(i, 1000), false, 1006);
        }
        assertThat(large.reassemblyBytes()).isEqualTo(245 * 4096); // 1,003,520 for 1,000,000 bytes of data
        assertThat(budget.used()).isEqualTo(large.reassemblyBytes());
        receive(small, bytes(0, 1024), false, 1030);
        assertThat(receive(small, bytes(1024, 1024), true, 1030)).isEqualTo(bytes(0, 2048));
        assertThat(budget.used()).isEqualTo(large.reassemblyBytes() + small.reassemblyBytes());
    }

    @Test
    void aBlockKeptForReuseIsGivenUpWhenAnotherChannelNeedsTheRoom() throws Exception {
        List<ChannelState> channels = new ArrayList<>();
        ReassemblyBudget budget = new ReassemblyBudget(64 * 1024, () -> channels.forEach(ChannelState::dropIdleBuffer));
        ChannelState idle = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvBufferCapacity(8192)
                .recvMessageCapacity(64 * 1024).build(), 1024, budget);
        ChannelState busy = new ChannelState(ChannelDescriptor.builder((byte) 0x21).recvMessageCapacity(64 * 1024)
                .build(), 1024, budget);
        channels.addAll(List.of(idle, busy));
        receive(idle, bytes(0, 1024), false, 1030);
        receive(idle, bytes(0, 1024), true, 1030);
        assertThat(idle.reassemblyBytes()).isEqualTo(8192);
        for (int i = 0; i < 63; i++) {
            receive(busy, bytes(i, 1024), false, 1030);
        }
        assertThat(receive(busy, bytes(63, 1024), true, 1030)).hasSize(64 * 1024);
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
            receive(a, bytes(0, 1024), false, 1030);
        }
        assertThat(a.reassemblyBytes()).isEqualTo(4096);
        assertThatThrownBy(() -> receive(b, bytes(0, 1024), false, 1030))
                .isInstanceOf(ReassemblyBudgetExceededException.class)
                .hasMessage("reassembly budget of 4096 bytes exceeded on channel 0x21: its message of 1024 bytes so far "
                        + "needs 1024 more bytes of buffer, and the connection's reassembly already holds 4096 bytes");
        assertThat(b.reassemblyBytes()).isZero();
        assertThat(b.bytesReceived).isZero();
    }

    @Test
    void whenTheBudgetIsNearlySpentTheLastBlockTakesOnlyWhatIsLeft() throws Exception {
        ReassemblyBudget budget = new ReassemblyBudget(9_500, () -> { });
        ChannelState state = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(20_000)
                .build(), 1024, budget);
        for (int i = 0; i < 9; i++) {
            receive(state, bytes(i * 1024, 1024), false, 1030);
        }
        assertThat(state.reassemblyBytes()).isEqualTo(9_500); // 4,096 + 4,096 + 1,308
        assertThat(receive(state, bytes(9 * 1024, 284), true, 290)).isEqualTo(bytes(0, 9_500));
    }

    @Test
    void onlyTheBlockOfAMessageThatFittedInItIsKeptAndOnlyIfNoLargerThanTheReceiveBuffer() throws Exception {
        ChannelState tiny = channel(16, 1 << 20); // blocks of 1 KiB, larger than its receive buffer
        receive(tiny, bytes(0, 500), false, 506);
        receive(tiny, bytes(0, 500), true, 506);
        assertThat(tiny.reassemblyBytes()).isZero();
        ChannelState large = channel(50 * 4096, 4 << 20); // blocks of 16 KiB
        receive(large, bytes(0, 1024), false, 1030);
        receive(large, bytes(0, 1024), true, 1030);
        assertThat(large.reassemblyBytes()).isEqualTo(ChannelState.MAX_BLOCK_BYTES);
        for (int i = 0; i < 3000; i++) {
            receive(large, bytes(i, 1024), false, 1030);
        }
        assertThat(large.reassemblyBytes()).isEqualTo(188 * 16 * 1024L); // the kept block is the first of 188
        assertThat(receive(large, bytes(0, 1), true, 7)).hasSize(3000 * 1024 + 1);
        assertThat(large.reassemblyBytes()).isZero();
    }

    @Test
    void aPieceLargerThanABlockSpansBlocks() throws Exception {
        ChannelState state = new ChannelState(ChannelDescriptor.builder((byte) 0x20).recvMessageCapacity(1 << 20)
                .build(), 64 * 1024);
        byte[] first = bytes(0, 10_000);
        byte[] second = bytes(10_000, 30_000);
        assertThat(state.receivePacket(Unpooled.wrappedBuffer(first), 0, first.length, false, 10_006)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(3 * 4096);
        assertThat(state.receivePacket(Unpooled.wrappedBuffer(second), 0, second.length, true, 30_006))
                .isEqualTo(bytes(0, 40_000));
    }

    @Test
    void anEmptyFinalPacketEndsTheMessage() throws Exception {
        ChannelState state = channel(16, 4096);
        assertThat(receive(state, bytes(0, 1024), false, 1030)).isNull();
        assertThat(receive(state, new byte[0], true, 6)).isEqualTo(bytes(0, 1024));
        assertThat(receive(state, new byte[0], true, 6)).isEmpty(); // an empty message
    }

    @Test
    void aMessageOverTheCapacityIsRefusedBeforeItsPacketIsKept() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 2000);
        assertThat(receive(state, bytes(0, 1024), false, 1030)).isNull();
        assertThatThrownBy(() -> receive(state, bytes(0, 977), true, 983))
                .isInstanceOf(MessageTooLargeException.class)
                .hasMessage("message of at least 2001 bytes over the channel 0x20 limit of 2000 bytes");
        assertThat(state.reassemblyBytes()).isEqualTo(2000); // one block, cut to the capacity
        state.release();
        assertThat(state.reassemblyBytes()).isZero();
        // exactly the capacity is fine
        ChannelState exact = channel(1, 2000);
        receive(exact, bytes(0, 1024), false, 1030);
        assertThat(receive(exact, bytes(1024, 976), true, 982)).isEqualTo(bytes(0, 2000));
    }
}
