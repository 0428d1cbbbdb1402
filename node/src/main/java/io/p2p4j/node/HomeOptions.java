package io.p2p4j.node;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that work on a node home. */
final class HomeOptions {
    @Option(names = "--home", description = "The node's home folder (default ~/.p2p4j).")
    Path home;

    @Option(names = "--log_level", description = "info (default) or debug; debug also shows stack traces.")
    String logLevel = "info";

    Path home() {
        return home != null ? home : Path.of(System.getProperty("user.home"), ".p2p4j");
    }

    boolean debug() {
        return "debug".equalsIgnoreCase(logLevel);
    }

    /** Prints a problem as one line (a stack trace too with --log_level debug) and returns exit code 1. */
    int fail(Throwable problem) {
        System.err.println("p2p4j: " + problem.getMessage());
        if (debug()) {
            problem.printStackTrace();
        }
        return 1;
    }
}
