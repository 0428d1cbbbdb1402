package io.p2p4j.node;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code p2p4j demo}: the main job, on built-in defaults, with nothing to configure. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts N nodes on 127.0.0.1 in this process, one of them a seed; they find each other "
                + "through peer exchange and gossip messages. Exits 0 when every node found its peers.")
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "8", description = "How many nodes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--seconds", defaultValue = "5", description = "How long to gossip once the network has formed "
            + "(default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--status", defaultValue = "127.0.0.1:" + NodeConfig.DEFAULT_STATUS_PORT,
            description = "Where to serve the status page with the network drawing (default ${DEFAULT-VALUE}; \"\" for none).")
    String status;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds allowed to form the network (default ${DEFAULT-VALUE}).")
    int timeout;

    @Option(names = "--test-fuzz", description = "Inject faults into every connection, as CometBFT's p2p.test_fuzz "
            + "does: from 1 s after a connection opens, 0.1 % of reads and writes dropped, 0.05 % closing the connection, "
            + "2 % held up to 50 ms. Peers drop and are found again; reactors see whole messages only.")
    boolean testFuzz;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2) {
            throw new ParameterException(spec.commandLine(), "--nodes must be at least 2, got " + nodes);
        }
        NetworkDemo demo = new NetworkDemo(System.out, nodes, seconds, status, timeout, NetworkDemo.stdoutIsTerminal());
        return (testFuzz ? demo.withFaults(NetworkDemo.DEMO_FAULTS) : demo).run();
    }
}
