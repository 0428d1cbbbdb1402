package io.p2p4j.node;

import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** The option of the commands that work on a node home. */
final class HomeOptions {
    @Option(names = "--home", description = "The node's home folder (default $HOME/.p2p4j).")
    Path home;

    Path home() {
        return home != null ? home : defaultHome(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * {@code $HOME/.p2p4j}, as CometBFT's default home is under {@code $HOME}; Java's
     * {@code user.home} (from the password database) only when HOME is not set.
     */
    static Path defaultHome(Map<String, String> environment, String userHome) {
        String home = environment.get("HOME");
        return Path.of(home == null || home.isBlank() ? userHome : home, ".p2p4j");
    }
}
