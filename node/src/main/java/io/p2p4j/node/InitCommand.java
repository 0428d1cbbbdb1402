package io.p2p4j.node;

import io.p2p4j.NodeKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code p2p4j init}: makes a node home in CometBFT's layout; never overwrites a key. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Creates config/node_key.json and config/config.toml in the home folder "
                + "(existing files are kept).")
final class InitCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Override
    public Integer call() throws Exception {
        Path home = options.home();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        NodeKey key = NodeKey.loadOrGenerate(home.resolve("config/node_key.json"));
        Path config = home.resolve("config/config.toml");
        if (!Files.exists(config)) {
            Files.writeString(config, NodeConfig.defaults().toToml());
        }
        System.out.println("node " + key.id() + " initialised in " + home);
        return 0;
    }
}
