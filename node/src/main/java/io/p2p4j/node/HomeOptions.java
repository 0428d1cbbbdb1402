package io.p2p4j.node;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The option of the commands that work on a node home. */
final class HomeOptions {
    @Option(names = "--home", description = "The node's home folder (default ~/.p2p4j).")
    Path home;

    Path home() {
        return home != null ? home : Path.of(System.getProperty("user.home"), ".p2p4j");
    }
}
