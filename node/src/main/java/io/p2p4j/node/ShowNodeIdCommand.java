package io.p2p4j.node;

import io.p2p4j.identity.NodeKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code p2p4j show-node-id}: prints the node id of the home's key. */
@Command(name = "show-node-id", mixinStandardHelpOptions = true, description = "Prints this node's id.")
final class ShowNodeIdCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Override
    public Integer call() throws Exception {
        System.out.println(NodeKey.load(options.home().resolve("config/node_key.json")).id());
        return 0;
    }
}
