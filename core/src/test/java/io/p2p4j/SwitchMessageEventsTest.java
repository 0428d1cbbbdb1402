package io.p2p4j;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.conn.ChannelStatus;
import io.p2p4j.testing.ConnectedSwitches;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a switch tells its listeners of each message, and what a channel's status counts: message
 * bytes, as CometBFT v0.38's metrics count them, not the packets that carry them.
 */
@Timeout(60)
class SwitchMessageEventsTest {
    private static final byte NAMED = 0x40;
    private static final byte UNNAMED = 0x41;
    /** A channel of the first switch only: a reactor owns it, so a message there has a type, but the peer lacks it. */
    private static final byte ONLY_HERE = 0x43;

    /** Names a message on channel 0x40 by its first byte: 1 is a ping, anything else is not counted. */
    static final class NamingReactor extends RecordingReactor {
        NamingReactor() {
            super(ChannelDescriptor.of(NAMED, 1), ChannelDescriptor.of(UNNAMED, 1));
        }

        @Override
        public String messageType(byte channelId, byte[] message) {
            if (channelId != NAMED) {
                return super.messageType(channelId, message);
            }
            return message.length > 0 && message[0] == 1 ? "test_Ping" : null;
        }
    }

    record Event(String direction, String peer, byte channel, String type, int bytes) {}

    static final class Recorder implements SwitchListener {
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void messageSent(Peer peer, byte channelId, String messageType, int bytes) {
            events.add(new Event("sent", peer.id().hex(), channelId, messageType, bytes));
        }

        @Override
        public void messageReceived(Peer peer, byte channelId, String messageType, int bytes) {
            events.add(new Event("received", peer.id().hex(), channelId, messageType, bytes));
        }
    }

    @Test
    void listenersHearEachQueuedAndDeliveredMessageOnceWithItsReactorsNameAndPayloadLength() throws Exception {
        Recorder recorder = new Recorder();
        NamingReactor[] reactors = {new NamingReactor(), new NamingReactor()};
        try (ConnectedSwitches net = ConnectedSwitches.create(2, TransportKind.TCP, (i, b) -> {
            b.reactor("naming", reactors[i]);
            if (i == 0) {
                b.listener(recorder);
                b.reactor("only-here", new RecordingReactor(ChannelDescriptor.of(ONLY_HERE, 1)));
            }
        })) {
            Peer other = net.get(0).peers().list().get(0);
            Peer us = net.get(1).peers().list().get(0);
            String otherId = other.id().hex();
            byte[] ping = new byte[3000]; // three packets of at most 1,024 bytes
            ping[0] = 1;
            assertThat(other.send(NAMED, ping)).isTrue();
            assertThat(other.trySend(UNNAMED, new byte[10])).isTrue();
            assertThat(other.send(NAMED, new byte[] {2, 2})).as("queued, but its reactor does not name it").isTrue();
            assertThat(other.send((byte) 0x42, new byte[5])).as("a channel no reactor owns").isFalse();
            // named (its reactor owns it) but not sent: the peer has no such channel, so no event
            assertThat(other.send(ONLY_HERE, new byte[6])).as("a channel the peer lacks").isFalse();
            assertThat(other.trySend(ONLY_HERE, new byte[6])).as("a channel the peer lacks").isFalse();
            assertThat(us.send(NAMED, new byte[] {1, 9, 9, 9})).isTrue();
            assertThat(us.send(UNNAMED, new byte[7])).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> reactors[0].from(net.get(1).id()).size() == 2
                    && reactors[1].from(net.get(0).id()).size() == 3);

            assertThat(recorder.events).containsExactlyInAnyOrder(
                    new Event("sent", otherId, NAMED, "test_Ping", 3000),
                    new Event("sent", otherId, UNNAMED, "channel_0x41", 10),
                    new Event("received", otherId, NAMED, "test_Ping", 4),
                    new Event("received", otherId, UNNAMED, "channel_0x41", 7));
            assertThat(recorder.events.stream().filter(e -> e.direction().equals("sent")))
                    .as("in the order sent").extracting(Event::bytes).containsExactly(3000, 10);

            // the status counts the messages' bytes beside the packets': 3,000 + 2 bytes went in 4 packets
            ChannelStatus sent = other.status().connection().channel(NAMED);
            assertThat(sent.messageBytesQueued()).isEqualTo(3002);
            assertThat(sent.bytesSent()).isGreaterThan(3002);
            await().atMost(Duration.ofSeconds(10)).until(() -> us.status().connection().channel(NAMED).messageBytesReceived() == 3002);
            assertThat(us.status().connection().channel(NAMED).bytesReceived()).isGreaterThan(3002);
            assertThat(other.status().connection().channel(NAMED).messageBytesReceived()).isEqualTo(4);
            assertThat(other.status().connection().channel(UNNAMED).messageBytesQueued()).isEqualTo(10);
        }
    }

    @Test
    void aListenerThatThrowsNeitherFailsTheSendNorStopsTheDelivery() throws Exception {
        RecordingReactor[] reactors = {new NamingReactor(), new NamingReactor()};
        SwitchListener throwing = new SwitchListener() {
            @Override
            public void messageSent(Peer peer, byte channelId, String messageType, int bytes) {
                throw new IllegalStateException("listener fails on send");
            }

            @Override
            public void messageReceived(Peer peer, byte channelId, String messageType, int bytes) {
                throw new IllegalStateException("listener fails on receive");
            }
        };
        try (ConnectedSwitches net = ConnectedSwitches.create(2, TransportKind.TCP, (i, b) -> b.reactor("naming", reactors[i])
                .listener(throwing))) {
            Peer other = net.get(0).peers().list().get(0);
            assertThat(other.send(NAMED, new byte[] {1})).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> reactors[1].from(net.get(0).id()).size() == 1);
            assertThat(net.get(1).peers().size()).isEqualTo(1);
        }
    }
}
