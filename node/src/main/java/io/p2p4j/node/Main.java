package io.p2p4j.node;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code p2p4j} command line. Every command reports a problem (a bad flag or value, bad
 * configuration, a failure while running) as one line {@code p2p4j: <what is wrong>} on stderr
 * and exits 1; {@code --log_level debug} adds the stack trace.
 */
@Command(name = "p2p4j", mixinStandardHelpOptions = true, version = "p2p4j 0.1.0",
        description = "A CometBFT-compatible peer-to-peer node on the JVM.",
        subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, InitCommand.class, StartCommand.class, ShowNodeIdCommand.class,
                MConnectionDemoCommand.class, TestnetCommand.class})
public final class Main implements Runnable {

    /** Read from the raw arguments before parsing (see {@link #configureLogging}); declared for --help and parsing. */
    @Option(names = "--log_level", scope = ScopeType.INHERIT, paramLabel = "LEVEL",
            description = "debug, info (default; warn for the demos), warn, error or none, or CometBFT's "
                    + "module:level,*:level (modules p2p, pex, main); debug also shows stack traces.")
    String logLevel;

    public static void main(String[] args) {
        try {
            configureLogging(args);
        } catch (IllegalArgumentException badLevel) {
            System.exit(report(badLevel, false));
        }
        System.exit(commandLine(true, args).execute(args));
    }

    /**
     * Runs the command line in this JVM and returns its exit code, for tests: unlike
     * {@link #main}, {@code start} takes no signal handlers or shutdown hooks, which belong to the
     * process.
     */
    public static int run(String... args) {
        try {
            LogLevels.properties(logLevel(args, "info"), "info"); // checked as main checks it; slf4j is set up already
        } catch (IllegalArgumentException badLevel) {
            return report(badLevel, false);
        }
        return commandLine(false, args).execute(args);
    }

    /** @param ownsProcess whether {@code start} may take over SIGINT and SIGTERM and add a shutdown hook */
    static CommandLine commandLine(boolean ownsProcess, String[] args) {
        boolean debug = debugging(args);
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = new CommandLine(new Main(), new CommandLine.IFactory() {
            @Override
            @SuppressWarnings("unchecked")
            public <K> K create(Class<K> type) throws Exception {
                return type == StartCommand.class ? (K) new StartCommand(ownsProcess) : defaults.create(type);
            }
        });
        // room for the longest flag, --p2p.max_num_outbound_peers=<...>, so that no name is cut at a dot
        cli.setUsageHelpLongOptionsMaxWidth(40);
        cli.setUsageHelpWidth(120);
        cli.setParameterExceptionHandler((problem, ignored) -> report(problem, debug));
        cli.setExecutionExceptionHandler((problem, command, ignored) -> report(problem, debug));
        return cli;
    }

    /** Whether --log_level's default level is debug or finer: problems then come with their stack trace. */
    private static boolean debugging(String[] args) {
        try {
            String level = LogLevels.properties(logLevel(args, "info"), "info").get("org.slf4j.simpleLogger.defaultLogLevel");
            return level.equals("debug") || level.equals("trace");
        } catch (IllegalArgumentException badLevel) {
            return false; // reported before anything runs
        }
    }

    /** Prints a problem as one line (and its stack trace when debugging); returns exit code 1. */
    static int report(Throwable problem, boolean debug) {
        System.err.println("p2p4j: " + describe(problem));
        if (debug) {
            problem.printStackTrace();
        }
        System.err.flush();
        return 1;
    }

    /**
     * A one-line description of a problem: its message, or for an exception without one its
     * kind and the description of its cause, so that no problem is reported as "null".
     */
    static String describe(Throwable problem) {
        if (problem instanceof UnmatchedArgumentException unmatched) {
            String nearest = nearest(unmatched.getUnmatched(), unmatched.getSuggestions());
            return oneLine(unmatched.getMessage()) + (nearest == null ? "" : " (did you mean " + nearest + "?)");
        }
        if (problem instanceof ParameterException) {
            return oneLine(problem.getMessage());
        }
        if (problem instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file" + (missing.getReason() == null ? "" : " (" + missing.getReason() + ")");
        }
        if (problem instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied";
        }
        String message = problem.getMessage();
        if (message == null || message.isBlank()) {
            String kind = problem.getClass().getSimpleName();
            return problem.getCause() == null || problem.getCause() == problem ? kind
                    : kind + ": " + describe(problem.getCause());
        }
        return oneLine(message);
    }

    /** The option name closest to a mistyped argument, if it is close enough to be the one meant. */
    private static String nearest(List<String> typed, List<String> names) {
        String best = null;
        int bestDistance = 4; // farther than 3 edits is another word, not a typo
        for (String arg : typed) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            for (String candidate : names) {
                int d = editDistance(name, candidate);
                if (d < bestDistance) {
                    best = candidate;
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The value of --log_level among the arguments, or {@code otherwise}. */
    static String logLevel(String[] args, String otherwise) {
        String level = otherwise;
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--log_level=")) {
                level = args[i].substring("--log_level=".length());
            } else if (args[i].equals("--log_level") && i + 1 < args.length) {
                level = args[i + 1];
            }
        }
        return level;
    }

    /**
     * slf4j-simple reads its levels once, so they are set from --log_level before any logger exists.
     *
     * @throws IllegalArgumentException for a level {@link LogLevels} does not know
     */
    static void configureLogging(String[] args) {
        // the demo's own output tells the story; a node's log is its record of peers coming and going
        String defaultLevel = args.length > 0 && args[0].startsWith("demo") ? "warn" : "info";
        LogLevels.properties(logLevel(args, defaultLevel), defaultLevel).forEach(System::setProperty);
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
