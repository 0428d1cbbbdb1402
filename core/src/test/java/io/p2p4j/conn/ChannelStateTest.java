package io.p2p4j.conn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2p4j.ChannelDescriptor;
import io.p2p4j.conn.MConnectionException.MessageTooLargeException;
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
    void holdsNothingBeforeDataArrivesNorAfterAMessageCompletes() throws Exception {
        ChannelState state = channel(ChannelDescriptor.DEFAULT_RECV_BUFFER_CAPACITY, 1 << 20);
        assertThat(state.reassemblyBytes()).isZero();
        byte[] single = bytes(0, 700);
        assertThat(state.receivePacket(single, true, 706)).isSameAs(single); // no copy
        assertThat(state.reassemblyBytes()).isZero();

        assertThat(state.receivePacket(bytes(0, 1024), false, 1030)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(1024); // the data so far, not a 4 KiB buffer
        assertThat(state.receivePacket(bytes(1024, 1024), false, 1030)).isNull();
        assertThat(state.reassemblyBytes()).isEqualTo(2048);
        assertThat(state.receivePacket(bytes(2048, 10), true, 16)).isEqualTo(bytes(0, 2058));
        assertThat(state.reassemblyBytes()).isZero();
        assertThat(state.messagesReceived).isEqualTo(2);
        assertThat(state.bytesReceived).isEqualTo(706 + 1030 + 1030 + 16);
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
        assertThat(state.reassemblyBytes()).isEqualTo(1024);
        state.release();
        assertThat(state.reassemblyBytes()).isZero();
        // exactly the capacity is fine
        ChannelState exact = channel(1, 2000);
        exact.receivePacket(bytes(0, 1024), false, 1030);
        assertThat(exact.receivePacket(bytes(1024, 976), true, 982)).isEqualTo(bytes(0, 2000));
    }
}
