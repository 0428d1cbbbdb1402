package io.p2p4j.node;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code p2p4j demo-mconnection}: two MConnections over loopback, priorities under saturation. */
@Command(name = "demo-mconnection", mixinStandardHelpOptions = true,
        description = "Opens two MConnections over loopback and shows messages on several channels, "
                + "with their priorities taking effect under saturation.")
final class MConnectionDemoCommand implements Callable<Integer> {

    @Option(names = "--seconds", defaultValue = "3", description = "How long to saturate the channels (default ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        return new MConnectionDemo(System.out, seconds).run();
    }
}
