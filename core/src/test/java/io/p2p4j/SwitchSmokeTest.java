package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SwitchSmokeTest {
    @Test
    void twoSwitchesTalk() {
        RecordingReactor[] reactors = new RecordingReactor[2];
        try (ConnectedSwitches net = ConnectedSwitches.create(2, Transport.Kind.TCP, (i, b) -> {
            reactors[i] = new RecordingReactor(ChannelDescriptor.of((byte) 0x42, 1));
            b.reactor("chat", reactors[i]);
        })) {
            Peer peer = net.get(0).peers().list().get(0);
            assertThat(peer.send((byte) 0x42, "Here's a message".getBytes(StandardCharsets.UTF_8))).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> reactors[1].from(net.get(0).id()).size() == 1);
            assertThat(new String(reactors[1].from(net.get(0).id()).get(0), StandardCharsets.UTF_8)).isEqualTo("Here's a message");
        }
    }
}
