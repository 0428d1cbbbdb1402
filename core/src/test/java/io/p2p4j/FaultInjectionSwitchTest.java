package io.p2p4j;

import io.p2p4j.net.TransportKind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.net.FaultInjection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * With fault injection on, peers are dropped and redialed, and reactors see whole messages or a
 * stopped peer: never a damaged message, since the faults act under the SecretConnection.
 */
class FaultInjectionSwitchTest {
    private static final byte CHANNEL = 0x60;

    /** Checks every message against the CRC it carries in its first 8 bytes. */
    static final class Checking extends BaseReactor {
        final AtomicInteger whole = new AtomicInteger();
        final AtomicInteger damaged = new AtomicInteger();
        final AtomicInteger removed = new AtomicInteger();

        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(CHANNEL).sendQueueCapacity(64).build());
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) {
            CRC32 crc = new CRC32();
            crc.update(message, 8, message.length - 8);
            if (ByteBuffer.wrap(message).getLong() == crc.getValue()) {
                whole.incrementAndGet();
            } else {
                damaged.incrementAndGet();
            }
        }

        @Override
        public void removePeer(Peer peer, Throwable reason) {
            removed.incrementAndGet();
        }
    }

    static byte[] message() {
        byte[] m = new byte[8 + ThreadLocalRandom.current().nextInt(1, 5000)];
        ThreadLocalRandom.current().nextBytes(m);
        CRC32 crc = new CRC32();
        crc.update(m, 8, m.length - 8);
        ByteBuffer.wrap(m).putLong(crc.getValue());
        return m;
    }

    @Test
    void reactorsSeeWholeMessagesOrAStoppedPeerAndPersistentPeersComeBack() throws Exception {
        // faults from 1 s on, after the handshakes: some reads and writes dropped, some held
        FaultInjection faults = FaultInjection.drops(0.02, 0.005, 0.1, Duration.ofMillis(20), Duration.ofSeconds(1));
        P2pConfig config = ConnectedSwitches.testConfig().withFaultInjection(faults)
                .withReconnect(new P2pConfig.ReconnectPolicy(Duration.ofMillis(100), Duration.ofMillis(50), 1000,
                        Duration.ofSeconds(1), 1));
        Checking[] reactors = new Checking[3];
        try (ConnectedSwitches net = ConnectedSwitches.create(3, TransportKind.TCP, config, (i, b) -> {
            reactors[i] = new Checking();
            b.network("test-chain").reactor("checking", reactors[i]);
        })) {
            for (int i = 0; i < 3; i++) {
                net.get(i).addPersistentPeers(List.of(net.get((i + 1) % 3).listenAddress()));
            }
            // send until faults have ended some connections and redials brought them back
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int round = 0;
            while (System.nanoTime() < deadline && round < 100_000
                    && (reactors[0].removed.get() + reactors[1].removed.get() + reactors[2].removed.get() < 3
                    || reactors[0].whole.get() + reactors[1].whole.get() + reactors[2].whole.get() < 2_000)) {
                for (int i = 0; i < 3; i++) {
                    for (Peer peer : net.get(i).peers().list()) {
                        peer.trySend(CHANNEL, message());
                    }
                }
                round++;
                if (round % 50 == 0) {
                    Thread.onSpinWait();
                }
            }
            int removed = reactors[0].removed.get() + reactors[1].removed.get() + reactors[2].removed.get();
            int whole = reactors[0].whole.get() + reactors[1].whole.get() + reactors[2].whole.get();
            assertThat(removed).as("peers dropped by the faults").isGreaterThanOrEqualTo(3);
            assertThat(whole).as("whole messages delivered").isGreaterThanOrEqualTo(2_000);
            assertThat(reactors[0].damaged.get() + reactors[1].damaged.get() + reactors[2].damaged.get())
                    .as("damaged messages delivered").isZero();
            // the persistent peers come back: each switch is connected to its successor again
            await().atMost(Duration.ofSeconds(30)).until(() -> net.get(0).peers().has(net.get(1).id())
                    && net.get(1).peers().has(net.get(2).id()) && net.get(2).peers().has(net.get(0).id()));
        }
    }
}
