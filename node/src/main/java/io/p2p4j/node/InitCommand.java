package io.p2p4j.node;

import io.p2p4j.identity.NodeKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code p2p4j init}: makes a node home in CometBFT's layout; never overwrites a file. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Creates config/node_key.json, config/config.toml and config/genesis.json in the home folder "
                + "(existing files are kept).")
final class InitCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Option(names = "--chain-id", defaultValue = NodeConfig.DEFAULT_CHAIN_ID,
            description = "The network, written to genesis.json (default ${DEFAULT-VALUE}).")
    String chainId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            Genesis.checkChainId(chainId, "--chain-id");
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path home = options.home();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        List<String> made = new ArrayList<>();
        Path keyFile = home.resolve("config/node_key.json");
        if (!Files.exists(keyFile)) {
            made.add("config/node_key.json");
        }
        NodeKey key = NodeKey.loadOrGenerate(keyFile);
        Path config = home.resolve("config/config.toml");
        if (!Files.exists(config)) {
            Files.writeString(config, NodeConfig.defaults().toToml());
            made.add("config/config.toml");
        }
        String genesisFile = NodeConfig.load(config).get("genesis_file");
        Path genesis = home.resolve(genesisFile);
        if (!Files.exists(genesis)) {
            new Genesis(chainId).write(genesis);
            made.add(genesisFile);
        }
        if (made.isEmpty()) {
            System.out.println("node " + key.id() + ": " + home + " is already initialised; its files are kept");
        } else {
            System.out.println("node " + key.id() + " initialised in " + home + " (wrote " + String.join(", ", made) + ")");
        }
        return 0;
    }
}
