package io.p2p4j.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code p2p4j} command line. */
@Command(name = "p2p4j", mixinStandardHelpOptions = true, version = "p2p4j 0.1.0",
        description = "A CometBFT-compatible peer-to-peer node on the JVM.",
        subcommands = {DemoCommand.class, InitCommand.class, StartCommand.class, ShowNodeIdCommand.class,
                MConnectionDemoCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        configureLogging(args);
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests that run it in-process). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    /** slf4j-simple reads its level once, so it is set from --log_level before any logger exists. */
    static void configureLogging(String[] args) {
        // the demo's own output tells the story; a node's log is its record of peers coming and going
        String level = args.length > 0 && args[0].startsWith("demo") ? "warn" : "info";
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--log_level=")) {
                level = args[i].substring("--log_level=".length());
            } else if (args[i].equals("--log_level") && i + 1 < args.length) {
                level = args[i + 1];
            }
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
