package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NodeKey;
import io.p2p4j.conn.ChannelDescriptor;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.p2p4j.testing.ConnectedSwitches;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connecting and disconnecting a peer 200 times leaves nothing behind: no platform or virtual
 * thread, no file descriptor (and no leaked buffer: the leak detector watches every test).
 */
class SwitchChurnTest {

    @Test
    void noThreadOrDescriptorLeakAfter200ConnectDisconnectCycles(@TempDir Path dir) throws Exception {
        RecordingReactor hubReactor = new RecordingReactor(ChannelDescriptor.of((byte) 0x42, 1));
        try (Switch hub = Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig()).network("test-chain")
                .reactor("chat", hubReactor).build();
                Switch dialer = Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig()).network("test-chain")
                        .reactor("chat", new RecordingReactor(ChannelDescriptor.of((byte) 0x42, 1))).build()) {
            hub.start();
            dialer.start();
            cycle(hub, dialer, 10); // warm up: event loops and pools reach their steady size
            long threadsBefore = platformThreads();
            long virtualBefore = virtualThreads(dir.resolve("before.json"));
            long fdsBefore = openFileDescriptors();
            cycle(hub, dialer, 200);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(platformThreads()).as("platform threads").isLessThanOrEqualTo(threadsBefore);
                assertThat(virtualThreads(dir.resolve("after.json"))).as("virtual threads").isLessThanOrEqualTo(virtualBefore);
                assertThat(openFileDescriptors()).as("file descriptors").isLessThanOrEqualTo(fdsBefore + 2);
            });
            assertThat(hubReactor.events.stream().filter(e -> e.what().equals("remove")).count()).isEqualTo(210);
        }
    }

    private static void cycle(Switch hub, Switch dialer, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            Peer peer = dialer.dial(hub.listenAddress()).get(10, TimeUnit.SECONDS);
            assertThat(peer.send((byte) 0x42, new byte[] {(byte) i})).isTrue();
            await().atMost(Duration.ofSeconds(10)).alias("hub sees the dialer, cycle " + i)
                    .until(() -> hub.peers().has(dialer.id()));
            dialer.stopPeerGracefully(peer);
            await().atMost(Duration.ofSeconds(10)).alias("both forget each other, cycle " + i)
                    .until(() -> !hub.peers().has(dialer.id()) && dialer.peers().size() == 0);
        }
    }

    /**
     * Platform threads other than the JVM's and the test harness's own (virtual-thread carriers,
     * the common pool, Awaitility's poller and the like grow with other tests' demand).
     */
    private static long platformThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> !(name.startsWith("ForkJoinPool") || name.startsWith("CompletableFuture")
                        || name.startsWith("awaitility") || name.startsWith("surefire") || name.startsWith("junit")
                        || name.equals("Attach Listener") || name.equals("Signal Dispatcher")
                        || name.equals("Finalizer") || name.equals("Reference Handler") || name.equals("Common-Cleaner")
                        || name.equals("Notification Thread") || name.startsWith("process reaper")
                        || name.startsWith("JFR") || name.startsWith("Monitor")))
                .count();
    }

    private static long virtualThreads(Path file) {
        try {
            Files.deleteIfExists(file);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            String json = Files.readString(file);
            return json.split("\"virtual\": true", -1).length - 1;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long openFileDescriptors() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getOpenFileDescriptorCount();
        }
        return 0;
    }
}
