package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.internal.Varint;
import io.p2p4j.conn.ChannelDescriptor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.MConnectionException.ReassemblyBudgetExceededException;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testkit.HostilePeer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A peer over a real SecretConnection that keeps partial messages open on several channels: its
 * accounted reassembly bytes show in its status, and past the budget the switch removes it with
 * the reason.
 */
class SwitchReassemblyBudgetTest {

    /** {@code length} bytes of a message on {@code channel} (below 0x80) as non-final 1,024-byte packets. */
    private static byte[] partialMessage(int channel, int length) {
        ByteBuf out = Unpooled.buffer();
        for (int offset = 0; offset < length; offset += 1024) {
            int len = Math.min(1024, length - offset);
            int dataField = 1 + Varint.size(len) + len;
            int inner = 2 + dataField; // channel_id, then data; eof=false is not written
            int packet = 1 + Varint.size(inner) + inner;
            Varint.write(out, packet);
            out.writeByte(0x1a); // Packet.packet_msg
            Varint.write(out, inner);
            out.writeByte(0x08).writeByte(channel);
            out.writeByte(0x1a); // PacketMsg.data
            Varint.write(out, len);
            out.writeZero(len);
        }
        byte[] bytes = ByteBufUtil.getBytes(out);
        out.release();
        return bytes;
    }

    @Test
    void aPeerHoldingPartialMessagesPastItsBudgetIsRemovedWithTheReason() throws Exception {
        RecordingReactor reactor = new RecordingReactor(
                ChannelDescriptor.builder((byte) 0x50).recvMessageCapacity(1 << 20).build(),
                ChannelDescriptor.builder((byte) 0x51).recvMessageCapacity(1 << 20).build(),
                ChannelDescriptor.builder((byte) 0x52).recvMessageCapacity(1 << 20).build());
        P2pConfig config = ConnectedSwitches.testConfig();
        config = config.withConnection(config.connection().withMaxReassemblyBytes(2 << 20));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Switch hub = Switch.builder(NodeKey.generate(), config).network("test-chain").reactor("r", reactor).build()) {
            hub.start();
            NodeKey key = NodeKey.generate();
            HostilePeer hostile = HostilePeer.connect(group, hub.listenAddress(), key, true);
            hostile.sendNodeInfo(NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0",
                    new byte[] {0x50, 0x51, 0x52}, "hostile"));
            await().atMost(Duration.ofSeconds(10)).until(() -> hub.peers().has(key.id()));
            Peer peer = hub.peers().get(key.id()).orElseThrow();
            assertThat(peer.status().connection().reassemblyLimit()).isEqualTo(2 << 20);

            hostile.send(partialMessage(0x50, 700_000));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    peer.status().connection().reassemblyBytes() >= 700_000);
            assertThat(peer.status().connection().reassemblyBytes()).isLessThanOrEqualTo(1 << 20);

            hostile.send(partialMessage(0x51, 700_000));
            hostile.send(partialMessage(0x52, 700_000));
            await().atMost(Duration.ofSeconds(10)).until(() -> reactor.removeReasons.containsKey(key.id()));
            assertThat(reactor.removeReasons.get(key.id())).isInstanceOf(ReassemblyBudgetExceededException.class)
                    .hasMessageStartingWith("reassembly budget of 2097152 bytes exceeded on channel 0x52");
            await().atMost(Duration.ofSeconds(10)).until(() -> !hostile.isOpen());
            assertThat(hub.peers().has(key.id())).isFalse();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
