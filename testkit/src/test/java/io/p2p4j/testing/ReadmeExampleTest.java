package io.p2p4j.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.BaseReactor;
import io.p2p4j.BroadcastResult;
import io.p2p4j.Peer;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.net.TransportKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's test kit example, as a user writes it against the p2p4j-testkit artifact. */
class ReadmeExampleTest {
    private static final byte CHAT_CHANNEL = 0x60;

    @Test
    void everyPeerIsOfferedABroadcast() {
        try (ConnectedSwitches net = ConnectedSwitches.create(3, TransportKind.IN_MEMORY,
                (i, builder) -> builder.reactor("chat", new ChatReactor()))) {
            BroadcastResult sent = net.get(0).broadcast(CHAT_CHANNEL, "hello".getBytes(UTF_8));
            assertThat(sent.queued()).hasSize(2); // the other two; closing net closes all three
        }
    }

    /** The README's chat reactor. */
    static final class ChatReactor extends BaseReactor {
        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(CHAT_CHANNEL).priority(1).build());
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) {
            System.out.println(peer.id() + ": " + new String(message, UTF_8));
        }
    }
}
