package io.p2p4j.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code p2p4j testnet} end to end with testnet/small.toml (8 nodes in their namespaces, 2
 * regions, one kill -9 and restart): the report's figures, then nothing of the run left behind.
 * Network namespaces need root: without it the test is skipped, unless CI is set (then it fails).
 */
class TestnetTest {

    @BeforeAll
    static void needsNamespaces() throws Exception {
        String problem = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            problem = "network namespaces need root, and this is " + System.getProperty("user.name");
        } else {
            try {
                Testnet.netnsList();
            } catch (Exception e) {
                problem = "`ip netns` does not work here: " + e.getMessage();
            }
        }
        if (problem != null) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false") && !ci.equals("0")) {
                fail("CI is set and the testnet cannot run: " + problem);
            }
            Assumptions.abort("testnet skipped: " + problem);
        }
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void smallManifestRunsReportsAndLeavesNothing() throws Exception {
        TestnetManifest manifest = TestnetManifest.load(Path.of("..", "testnet", "small.toml"));
        Path dir = Path.of("target", "testnet-test");
        Testnet net = new Testnet(manifest, dir, null);
        Testnet.Record record;
        try (net) {
            record = net.run();
        }
        TestnetReport report = new TestnetReport(record);
        report.plot(dir.resolve("report.png"));
        Files.writeString(dir.resolve("report.md"), report.markdown());

        assertThat(report.allOutboundAt).as("every node had its outbound peers and the graph was connected").isNotNegative();
        assertThat(report.recovery[0]).as("the network healed after the kill -9 and restart").isNotNegative();
        assertThat(report.messagesAfterHeal).as("messages published after the heal").isPositive();
        assertThat(report.deliveryMs).hasSize(report.deliveriesAfterHeal).isNotEmpty();
        assertThat(report.lost).as("lost after the heal").isZero();
        assertThat(report.duplicated).as("duplicated").isZero();
        assertThat(record.resources).as("each node's memory and threads at the end").hasSize(manifest.nodes());
        assertThat(Files.size(dir.resolve("report.png"))).isPositive();

        // nothing left: no process, no namespace, no veth of the run
        for (Process p : net.processes()) {
            assertThat(p.isAlive()).as("process %d of the run", p.pid()).isFalse();
        }
        assertThat(net.processes()).hasSize(manifest.nodes() + 2); // every node, the restarted one again, the relay
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains("Testnet")).toList()).isEmpty();
        assertThat(Testnet.netnsList()).noneMatch(name -> name.startsWith(net.hub().substring(0, net.hub().length() - 1)));
        assertThat(Testnet.sh(List.of("ip", "-o", "link", "show"))).doesNotContain(net.hub());
    }

    @Test
    void namespacesOfAKilledRunAreRemovedByTheNext() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String name = Testnet.PREFIX + gone.pid() + "n0";
        Testnet.sh(List.of("ip", "netns", "add", name));
        try {
            Testnet.removeLeftovers(line -> { });
            assertThat(Testnet.netnsList()).doesNotContain(name);
        } finally {
            if (Testnet.netnsList().contains(name)) {
                Testnet.sh(List.of("ip", "netns", "del", name));
            }
        }
    }
}
