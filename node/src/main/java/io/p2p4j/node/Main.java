package io.p2p4j.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code p2p4j} command line. */
@Command(name = "p2p4j", mixinStandardHelpOptions = true, version = "p2p4j 0.1.0",
        description = "A CometBFT-compatible peer-to-peer node on the JVM.",
        subcommands = {DemoCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests that run it in-process). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
