package io.p2p4j.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.p2p4j.P2pConfig;
import io.p2p4j.conn.MConnectionConfig;
import org.assertj.core.api.AbstractThrowableAssert;
import io.p2p4j.node.NodeConfig.ConfigException;
import io.p2p4j.net.FaultInjection;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading config.toml: CometBFT's layout accepted, p2p4j's keys checked, anything else refused. */
class NodeConfigTest {
    @TempDir
    Path dir;

    static Path cometBftConfig(Path dir) throws Exception {
        Path file = dir.resolve("config.toml");
        try (InputStream in = NodeConfigTest.class.getResourceAsStream("/cometbft-home/config.toml")) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    private Path write(String toml) throws Exception {
        return Files.writeString(dir.resolve("config.toml"), toml);
    }

    /** Asserts that loading this TOML fails with a ConfigException, for checks of its message. */
    private AbstractThrowableAssert<?, ? extends Throwable> refused(String toml) {
        return assertThatThrownBy(() -> NodeConfig.load(write(toml))).isInstanceOf(ConfigException.class);
    }

    @Test
    void aCometBftConfigIsReadAsItIsAndItsP2pKeysTakeEffect() throws Exception {
        NodeConfig config = NodeConfig.load(cometBftConfig(dir));
        assertThat(config.get("moniker")).isEqualTo("cometbft-home-node");
        assertThat(config.get("p2p.addr_book_file")).isEqualTo("config/addrbook.json");
        P2pConfig p2p = Node.p2pConfig(config);
        assertThat(p2p.listenAddress()).isEqualTo("tcp://127.0.0.1:0");
        assertThat(p2p.allowDuplicateIp()).isTrue();
        assertThat(p2p.maxInboundPeers()).isEqualTo(40);
        assertThat(p2p.handshakeTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(p2p.dialTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p2p.connection().flushThrottle()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void withoutTheKeysTheTimeoutsAreTheLimitsCometBftsTransportApplies() throws Exception {
        P2pConfig p2p = Node.p2pConfig(NodeConfig.load(write("moniker = \"m\"\n")));
        assertThat(p2p.handshakeTimeout()).isEqualTo(P2pConfig.defaults().handshakeTimeout());
        assertThat(p2p.dialTimeout()).isEqualTo(P2pConfig.defaults().dialTimeout());
        assertThat(Node.p2pConfig(NodeConfig.defaults()).handshakeTimeout()).isEqualTo(P2pConfig.defaults().handshakeTimeout());
    }

    @Test
    void theMaximumDialPeriodCapsThePersistentPeerRedials() throws Exception {
        assertThat(Node.p2pConfig(NodeConfig.defaults()).reconnect().maxInterval()).isZero();
        P2pConfig p2p = Node.p2pConfig(NodeConfig.load(write("[p2p]\npersistent_peers_max_dial_period = \"30s\"\n")));
        assertThat(p2p.reconnect().maxInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p2p.reconnect().delayBefore(1_000)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aSeedOrPersistentPeerWithDottedNumbersThatAreNoIpv4AddressIsRefused() throws Exception {
        String id = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
        for (String host : new String[] {"127.0.0", "1.2.3.4.5", "256.1.1.1"}) {
            NodeConfig config = NodeConfig.load(write("[p2p]\nseeds = \"" + id + "@" + host + ":26656\"\n"));
            assertThatThrownBy(() -> Node.addresses(config, "p2p.seeds")).as(host)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("p2p.seeds: ")
                    .hasMessageContaining("\"" + host + "\" is not an IP address");
        }
        NodeConfig named = NodeConfig.load(write("[p2p]\npersistent_peers = \"" + id + "@node-1.example.com:26656\"\n"));
        assertThat(Node.addresses(named, "p2p.persistent_peers")).extracting(a -> a.host()).containsExactly("node-1.example.com");
    }

    @Test
    void cometBftsTestFuzzSwitchesOnFaultInjectionWithItsSettings() throws Exception {
        assertThat(Node.p2pConfig(NodeConfig.defaults()).faultInjection().enabled()).isFalse();
        P2pConfig on = Node.p2pConfig(NodeConfig.load(write("[p2p]\ntest_fuzz = true\n")));
        assertThat(on.faultInjection()).isEqualTo(FaultInjection.cometBftDefaults());
        P2pConfig delays = Node.p2pConfig(NodeConfig.load(write(
                "[p2p]\ntest_fuzz = true\n[p2p.test_fuzz_config]\nmode = 1\nmax_delay = \"250ms\"\n")));
        assertThat(delays.faultInjection().mode()).isEqualTo(FaultInjection.Mode.DELAY);
        assertThat(delays.faultInjection().maxDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(NodeConfig.load(write(NodeConfig.defaults().toToml())).get("p2p.test_fuzz_config.prob_drop_rw"))
                .isEqualTo("0.2");
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write(
                "[p2p]\ntest_fuzz = true\n[p2p.test_fuzz_config]\nprob_drop_rw = 0.9\nprob_sleep = 0.5\n"))))
                .hasMessageStartingWith("p2p.test_fuzz_config: probDropReadWrite + probDropConnection + probSleep");
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\ntest_fuzz = true\n[p2p.test_fuzz_config]\nmode = 2\n"))))
                .hasMessage("p2p.test_fuzz_config.mode = 2 must be 0 (drop) or 1 (delay)");
    }

    @Test
    void socketBuffersAreTheKernelsUnlessP2p4jsSectionCapsThem() throws Exception {
        assertThat(Node.p2pConfig(NodeConfig.defaults()).socketBufferBytes()).isZero();
        NodeConfig capped = NodeConfig.load(write("[p2p4j]\nsocket_buffer_bytes = 131072\n"));
        assertThat(Node.p2pConfig(capped).socketBufferBytes()).isEqualTo(131072);
        assertThat(NodeConfig.load(write(NodeConfig.defaults().toToml())).get("p2p4j.socket_buffer_bytes")).isEqualTo("0");
    }

    @Test
    void theReassemblyBudgetComesFromP2p4jsSection() throws Exception {
        assertThat(Node.p2pConfig(NodeConfig.defaults()).connection().maxReassemblyBytes())
                .isEqualTo(MConnectionConfig.defaults().maxReassemblyBytes());
        NodeConfig set = NodeConfig.load(write("[p2p4j]\nmax_reassembly_bytes = 1048576\n"));
        assertThat(Node.p2pConfig(set).connection().maxReassemblyBytes()).isEqualTo(1 << 20);
        assertThat(NodeConfig.load(write(NodeConfig.defaults().toToml())).get("p2p4j.max_reassembly_bytes"))
                .isEqualTo("4194304");
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p4j]\nmax_reassembly_bytes = 0\n"))))
                .hasMessage("p2p4j.max_reassembly_bytes = 0 must be more than zero");
    }

    @Test
    void thePingLimitComesFromP2p4jsSection() throws Exception {
        assertThat(Node.p2pConfig(NodeConfig.defaults()).connection().maxPingsPerSecond()).isEqualTo(10);
        NodeConfig raised = NodeConfig.load(write("[p2p4j]\nmax_pings_per_second = 50\n"));
        assertThat(Node.p2pConfig(raised).connection().maxPingsPerSecond()).isEqualTo(50);
        assertThat(NodeConfig.load(write(NodeConfig.defaults().toToml())).get("p2p4j.max_pings_per_second")).isEqualTo("10");
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p4j]\nmax_pings_per_second = 0\n"))))
                .hasMessage("p2p4j.max_pings_per_second = 0 must be at least 1");
    }

    @Test
    void theCapsOnPendingHandshakesComeFromP2p4jsSection() throws Exception {
        P2pConfig defaults = Node.p2pConfig(NodeConfig.defaults());
        assertThat(defaults.maxPendingHandshakes()).isEqualTo(64);
        assertThat(defaults.maxPendingHandshakesPerIp()).isEqualTo(4);
        P2pConfig set = Node.p2pConfig(NodeConfig.load(write(NodeConfig.defaults().toToml()
                .replace("max_pending_handshakes = 64", "max_pending_handshakes = 100")
                .replace("max_pending_handshakes_per_ip = 4", "max_pending_handshakes_per_ip = 10"))));
        assertThat(set.maxPendingHandshakes()).isEqualTo(100);
        assertThat(set.maxPendingHandshakesPerIp()).isEqualTo(10);
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p4j]\nmax_pending_handshakes_per_ip = 0\n"))))
                .hasMessage("p2p4j.max_pending_handshakes_per_ip = 0 must be at least 1");
    }

    @Test
    void theMailboxReserveComesFromP2p4jsSection() throws Exception {
        assertThat(Node.p2pConfig(NodeConfig.defaults()).mailboxReserveBytes()).isEqualTo(64L << 20);
        assertThat(NodeConfig.load(write(NodeConfig.defaults().toToml())).get("p2p4j.mailbox_reserve_bytes"))
                .isEqualTo("67108864");
        NodeConfig set = NodeConfig.load(write("[p2p4j]\nmailbox_reserve_bytes = 0\n"));
        assertThat(Node.p2pConfig(set).mailboxReserveBytes()).isZero();
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p4j]\nmailbox_reserve_bytes = -1\n"))))
                .hasMessageContaining("p2p4j.mailbox_reserve_bytes = -1");
    }

    @Test
    void theDefaultStatusAddressTakesNoneOfCometBftsPorts() throws Exception {
        int port = Node.parseHostPort(NodeConfig.defaults().get("p2p4j.status_laddr")).getPort();
        // p2p, RPC, ABCI, Prometheus, pprof: a p2p4j node runs beside a CometBFT node on one host
        assertThat(port).isNotIn(26656, 26657, 26658, 26660, 6060);
        java.lang.reflect.Field demo = DemoCommand.class.getDeclaredField("status");
        String demoDefault = demo.getAnnotation(picocli.CommandLine.Option.class).defaultValue();
        assertThat(Node.parseHostPort(demoDefault).getPort()).isEqualTo(port);
    }

    @Test
    void negativeRatesSizesAndCountsAreRefusedNamingTheKeyAsCometBftsValidateBasicDoes() throws Exception {
        for (String key : new String[] {"send_rate", "recv_rate", "max_num_inbound_peers", "max_num_outbound_peers"}) {
            assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\n" + key + " = -1\n"))))
                    .isInstanceOf(ConfigException.class).hasMessage("p2p." + key + " = -1 must not be negative");
        }
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\nmax_packet_msg_payload_size = 0\n"))))
                .isInstanceOf(ConfigException.class).hasMessage("p2p.max_packet_msg_payload_size = 0 must be at least 1");
    }

    @Test
    void aNumberTooLargeIsOutOfRangeNotNotANumber() throws Exception {
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\nmax_num_inbound_peers = 99999999999\n"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("p2p.max_num_inbound_peers = \"99999999999\" is out of range (at most 2147483647)");
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\nsend_rate = 99999999999999999999\n"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is out of range");
    }

    @Test
    void aTomlErrorSaysTheLineAndColumn() throws Exception {
        refused("moniker = \"x\"\n[p2p]\npex = tru\n").hasMessageMatching(".*config\\.toml:3:\\d+: not valid TOML: .*");
    }

    @Test
    void cometBftsPerModuleLogLevelsAreUnderstoodAndAnUnknownLevelIsRefused() {
        assertThat(LogLevels.properties("p2p:debug,*:error", "info")).containsEntry("org.slf4j.simpleLogger.log.io.p2p4j", "debug")
                .containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "error");
        // CometBFT's own default for a node: modules p2p4j does not have are accepted
        assertThat(LogLevels.properties("main:info,state:info,statesync:info,*:error", "info"))
                .containsEntry("org.slf4j.simpleLogger.log.io.p2p4j.node", "info")
                .containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "error");
        assertThat(LogLevels.properties("none", "info")).containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "off");
        assertThat(NodeCommandsTest.oneLineFailure(NodeCommandsTest.run("show-node-id", "--log_level", "verbose")))
                .contains("--log_level \"verbose\": unknown level \"verbose\"");
        assertThat(NodeCommandsTest.oneLineFailure(NodeCommandsTest.run("show-node-id", "--log_level", "p2p:loud")))
                .contains("unknown level \"loud\"");
    }

    @Test
    void keysOfOlderCometBftHomesAreAccepted() throws Exception {
        Path upgraded = write("fast_sync = true\nblock_sync = true\n[fastsync]\nversion = \"v0\"\n[p2p]\nupnp = false\n");
        assertThatCode(() -> NodeConfig.load(upgraded)).doesNotThrowAnyException();
    }

    @Test
    void unknownKeysAndSectionsAreErrorsNamingThem() throws Exception {
        refused("monikr = \"x\"\n").hasMessageEndingWith("unknown key \"monikr\"");
        refused("[p2p]\nseed = \"\"\n").hasMessageEndingWith("unknown key \"p2p.seed\"");
        refused("[p2p4j]\nstatus = \"\"\n").hasMessageEndingWith("unknown key \"p2p4j.status\"");
        refused("[rcp]\nladdr = \"\"\n").hasMessageEndingWith("unknown section [rcp]");
        refused("[p2p]\nseeds = [\"a\", \"b\"]\n").hasMessageEndingWith("p2p.seeds must be a single value, not a list");
        refused("p2p = 1\n").hasMessageContaining("\"p2p\" must be a section");
    }

    @Test
    void badValuesOfTheKeysP2p4jUsesAreErrors() throws Exception {
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\nhandshake_timeout = \"20 s\"\n"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("p2p.handshake_timeout");
        assertThatThrownBy(() -> Node.p2pConfig(NodeConfig.load(write("[p2p]\ndial_timeout = \"0s\"\n"))))
                .isInstanceOf(ConfigException.class).hasMessage("p2p.dial_timeout = \"0s\" must be more than zero");
    }
}
