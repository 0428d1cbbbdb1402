package io.p2p4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The p2p4j node beside the real {@code cometbft} binary ({@link CometBftBinary}), as an
 * operator runs them: block-producing validators with the kvstore app, homes made by
 * {@code cometbft init} and {@code p2p4j init}, the p2p4j command as a process. The tests run at
 * the same time (the minute of staying connected overlaps the others).
 */
@Execution(ExecutionMode.CONCURRENT)
class RealCometBftTest {
    private static final Duration CONNECT = Duration.ofSeconds(45);

    @TempDir
    Path dir;

    /** The first build takes minutes: outside the time limit of any one test. */
    @BeforeAll
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    static void installCometBft() throws Exception {
        CometBftNode.binary();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void p2p4jOnAnUnchangedCometBftInitHomeJoinsThatNetworkAndStaysConnectedToItsValidatorForAMinute() throws Exception {
        // p2p4j runs on the home exactly as `cometbft init` wrote it; the validator on a copy with a key of its own
        Path home = CometBftNode.init(dir, "p2p4j");
        Path validatorHome = copy(home, dir.resolve("validator"));
        Files.delete(validatorHome.resolve("config/node_key.json"));
        CometBftNode.allowLoopbackPeers(validatorHome);
        try (CometBftNode validator = CometBftNode.start(validatorHome)) {
            await().atMost(CONNECT).until(() -> Files.exists(validatorHome.resolve("config/node_key.json")));
            String validatorId = CometBftNode.nodeId(validatorHome);
            String p2p4jId = CometBftNode.nodeId(home);
            try (P2p4jNode p2p4j = P2p4jNode.start(home, "--p2p.persistent_peers", validator.address())) {
                await().atMost(CONNECT).until(() -> validator.peers().contains(p2p4jId) && p2p4j.peers().contains(validatorId)
                        || !p2p4j.process.isAlive() || !validator.process.isAlive());
                assertThat(p2p4j.peers()).as("p2p4j's log:%n%s%nvalidator's log:%n%s", p2p4j.process.log(), validator.process.log())
                        .containsExactly(validatorId);
                assertThat(p2p4j.process.logged("on network " + CometBftNode.chainId(home))).as(p2p4j.process.log()).isTrue();
                long before = validator.height();
                await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(75))
                        .until(() -> validator.peers().contains(p2p4jId) && p2p4j.peers().contains(validatorId));
                assertThat(validator.height()).as("blocks were made meanwhile").isGreaterThan(before + 5);
                assertThat(p2p4j.process.logged("peer left")).as(p2p4j.process.log()).isFalse();
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theValidatorDialsP2p4j() throws Exception {
        Path validatorHome = CometBftNode.init(dir, "validator");
        CometBftNode.allowLoopbackPeers(validatorHome);
        Path home = joining(validatorHome, "p2p4j");
        String p2p4jId = CometBftNode.nodeId(home);
        try (P2p4jNode p2p4j = P2p4jNode.start(home, "--p2p.allow_duplicate_ip", "true", "--p2p.addr_book_strict", "false");
                CometBftNode validator = CometBftNode.start(validatorHome, "--p2p.persistent_peers",
                        p2p4jId + "@127.0.0.1:" + p2p4j.p2pPort)) {
            String validatorId = CometBftNode.nodeId(validatorHome);
            await().atMost(CONNECT).until(() -> validator.peers().contains(p2p4jId) && p2p4j.peers().contains(validatorId)
                    || !p2p4j.process.isAlive() || !validator.process.isAlive());
            assertThat(validator.peers()).as("validator's log:%n%s%np2p4j's log:%n%s", validator.process.log(), p2p4j.process.log())
                    .containsExactly(p2p4jId);
            long height = validator.height();
            await().atMost(CONNECT).until(() -> validator.height() > height + 2);
            assertThat(p2p4j.peers()).containsExactly(validatorId);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void twoCometBftNodesMeetThroughAP2p4jSeedAndTheSecondSyncsBlocks() throws Exception {
        Path validatorHome = CometBftNode.init(dir, "validator");
        CometBftNode.allowLoopbackPeers(validatorHome);
        Path fullHome = CometBftNode.init(dir, "full");
        Files.copy(validatorHome.resolve("config/genesis.json"), fullHome.resolve("config/genesis.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CometBftNode.allowLoopbackPeers(fullHome);
        Path seedHome = joining(validatorHome, "seed");
        String seed = CometBftNode.nodeId(seedHome) + "@127.0.0.1:";
        try (P2p4jNode p2p4j = P2p4jNode.start(seedHome, "--p2p.seed_mode", "true", "--p2p.allow_duplicate_ip", "true",
                "--p2p.addr_book_strict", "false");
                CometBftNode validator = CometBftNode.start(validatorHome, "--p2p.seeds", seed + p2p4j.p2pPort)) {
            String validatorId = CometBftNode.nodeId(validatorHome);
            // the seed learns the validator's address before the full node asks for addresses
            await().atMost(CONNECT).until(() -> p2p4j.process.logged(validatorId) || !p2p4j.process.isAlive());
            await().atMost(CONNECT).until(() -> validator.height() >= 3);
            try (CometBftNode full = CometBftNode.start(fullHome, "--p2p.seeds", seed + p2p4j.p2pPort)) {
                await().atMost(CONNECT).until(() -> full.peers().contains(validatorId) || !full.process.isAlive());
                assertThat(full.peers()).as("full node's log:%n%s%nseed's log:%n%s", full.process.log(), p2p4j.process.log())
                        .contains(validatorId);
                long target = validator.height();
                await().atMost(CONNECT).until(() -> full.height() >= target);
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aWrongChainIdEachWayIsNamedInTheLogOfEachSide() throws Exception {
        Path validatorHome = CometBftNode.init(dir, "validator");
        CometBftNode.allowLoopbackPeers(validatorHome);
        String chainId = CometBftNode.chainId(validatorHome);
        Path dialedHome = dir.resolve("dialed");
        Path dialingHome = dir.resolve("dialing");
        P2p4jNode.run("init", "--home", dialedHome.toString(), "--chain-id", "another-chain");
        P2p4jNode.run("init", "--home", dialingHome.toString(), "--chain-id", "another-chain");
        try (P2p4jNode dialed = P2p4jNode.start(dialedHome, "--p2p.pex", "true");
                CometBftNode validator = CometBftNode.start(validatorHome, "--p2p.persistent_peers",
                        CometBftNode.nodeId(dialedHome) + "@127.0.0.1:" + dialed.p2pPort);
                P2p4jNode dialing = P2p4jNode.start(dialingHome, "--p2p.persistent_peers", validator.address())) {
            // p2p4j dials the validator: both logs say why
            await().atMost(CONNECT).untilAsserted(() -> {
                assertThat(dialing.process.logged("ERROR", "Error dialing peer", "network mismatch", chainId, "another-chain"))
                        .as(dialing.process.log()).isTrue();
                assertThat(validator.process.logged("rejected", "another-chain", chainId)).as(validator.process.log()).isTrue();
            });
            // the validator dials p2p4j: both logs say why
            await().atMost(CONNECT).untilAsserted(() -> {
                assertThat(dialed.process.logged("Refused inbound connection", "network mismatch", chainId, "another-chain"))
                        .as(dialed.process.log()).isTrue();
                assertThat(validator.process.logged("Error reconnecting to peer", "another-chain", chainId)).as(validator.process.log()).isTrue();
            });
        }
    }

    /** A p2p4j home made by {@code p2p4j init} that joins the validator's network: its genesis.json copied in. */
    private Path joining(Path validatorHome, String name) throws Exception {
        Path home = dir.resolve(name);
        P2p4jNode.run("init", "--home", home.toString());
        Files.copy(validatorHome.resolve("config/genesis.json"), home.resolve("config/genesis.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return home;
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return to;
    }
}
