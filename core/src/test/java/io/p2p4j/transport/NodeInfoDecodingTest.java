package io.p2p4j.transport;

import io.p2p4j.Direction;
import io.p2p4j.net.HandshakeException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.CodedOutputStream;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.Switch;
import io.p2p4j.SwitchListener;
import io.p2p4j.BaseReactor;
import io.p2p4j.Peer;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testkit.HostilePeer;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A NodeInfo's fields are counted on the raw bytes before protobuf builds anything of them. */
class NodeInfoDecodingTest {
    static final byte CHAT = 0x42;

    static NodeInfo validInfo(NodeKey key) {
        return NodeInfo.of(key.id(), "tcp://127.0.0.1:26656", "test-chain", "1.0", new byte[] {CHAT}, "hostile");
    }

    /** A valid NodeInfo followed by unknown varint fields, each of its own number, up to the size limit. */
    static byte[] withUnknownFields(NodeInfo info) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        NodeInfoProto.toProto(info).writeTo(out);
        for (int number = 16; out.getTotalBytesWritten() + 3 <= NodeInfo.MAX_SIZE; number++) {
            out.writeUInt32(number, 1); // 2 bytes of tag, 1 of value
        }
        out.flush();
        return bytes.toByteArray();
    }

    static void warmUp(byte[] flood) {
        try {
            NodeInfoHandshake.parse(ByteBuffer.wrap(NodeInfoProto.toProto(validInfo(NodeKey.generate())).toByteArray()));
            NodeInfoHandshake.parse(ByteBuffer.wrap(flood));
        } catch (HandshakeException expected) {
            // the flood is refused
        }
    }

    @Test
    void aNodeInfoFullOfUnknownFieldsIsRefusedBeforeDecodingAndCostsLittle() throws Exception {
        byte[] flood = withUnknownFields(validInfo(NodeKey.generate()));
        assertThat(flood.length).isBetween(NodeInfo.MAX_SIZE - 2, NodeInfo.MAX_SIZE);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        warmUp(flood); // loading and initialising classes allocates too, once per JVM
        long before = threads.getCurrentThreadAllocatedBytes();
        Throwable refused = null;
        try {
            NodeInfoHandshake.parse(ByteBuffer.wrap(flood));
        } catch (HandshakeException e) {
            refused = e;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("a NodeInfo of %d bytes full of unknown fields: %d bytes allocated, %.2f x its size%n",
                flood.length, allocated, (double) allocated / flood.length);
        assertThat(refused).isInstanceOf(HandshakeException.class)
                .hasMessageContaining("more than the maximum of " + NodeInfo.MAX_FIELDS);
        assertThat(allocated).as("bytes allocated for a NodeInfo of %d bytes", flood.length).isLessThan(10L * flood.length);

        // a few unknown fields, as a later version might add, still decode
        NodeInfo info = validInfo(NodeKey.generate());
        byte[] some = java.util.Arrays.copyOf(NodeInfoProto.toProto(info).toByteArray(), NodeInfoProto.toProto(info).getSerializedSize() + 6);
        ByteBuffer.wrap(some, some.length - 6, 6).put(new byte[] {(byte) 0x80, 0x01, 0x01, (byte) 0x88, 0x01, 0x02});
        assertThat(NodeInfoProto.fromProto(NodeInfoHandshake.parse(ByteBuffer.wrap(some)))).isEqualTo(info);
        // groups are never written by proto3
        byte[] group = java.util.Arrays.copyOf(NodeInfoProto.toProto(info).toByteArray(), NodeInfoProto.toProto(info).getSerializedSize() + 2);
        group[group.length - 2] = (byte) 0x83; // start group 16
        group[group.length - 1] = 0x01;
        assertThatThrownBy(() -> NodeInfoHandshake.parse(ByteBuffer.wrap(group))).isInstanceOf(HandshakeException.class)
                .hasMessageContaining("is a group");
    }

    @Test
    void overTheWireSuchAPeerIsRefusedWithTheBoundAndTheFigures() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Throwable> refused = new CopyOnWriteArrayList<>();
        Switch hub = Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig()).network("test-chain")
                .reactor("chat", new BaseReactor() {
                    @Override
                    public List<ChannelDescriptor> channels() {
                        return List.of(ChannelDescriptor.builder(CHAT).build());
                    }

                    @Override
                    public void receive(byte channelId, Peer peer, byte[] message) {}
                })
                .listener(new SwitchListener() {
                    @Override
                    public void connectionRefused(SocketAddress remote, Direction direction, Throwable reason) {
                        refused.add(reason);
                    }
                }).build();
        try {
            hub.start();
            NodeKey key = NodeKey.generate();
            byte[] flood = withUnknownFields(validInfo(key));
            try (HostilePeer peer = HostilePeer.connect(group, hub.listenAddress(), key, true)) {
                peer.send(HostilePeer.delimited(flood));
                await().atMost(Duration.ofSeconds(10)).until(() -> !refused.isEmpty());
                assertThat(refused.get(0)).isInstanceOf(HandshakeException.class)
                        .hasMessageContaining("NodeInfo of " + flood.length + " bytes holds")
                        .hasMessageContaining("fields, more than the maximum of " + NodeInfo.MAX_FIELDS);
                await().atMost(Duration.ofSeconds(5)).until(() -> !peer.isOpen());
            }
            assertThat(hub.peers().size()).isZero();
        } finally {
            hub.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
