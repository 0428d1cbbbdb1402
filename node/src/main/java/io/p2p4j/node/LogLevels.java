package io.p2p4j.node;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code --log_level} as slf4j-simple properties. Takes a level ({@code debug}, {@code info},
 * {@code warn}, {@code error}, or {@code none} for nothing) or CometBFT's per-module form,
 * {@code p2p:debug,*:info}: {@code *} sets the default, {@code p2p} the library, {@code pex} its
 * peer exchange, {@code main} the node; CometBFT's other modules (consensus, mempool...) are
 * accepted, since p2p4j has none of them to log. An unknown level is an error.
 */
final class LogLevels {
    /** CometBFT's module names for p2p4j's loggers. */
    private static final Map<String, String> MODULES = Map.of("p2p", "io.p2p4j", "pex", "io.p2p4j.pex",
            "main", "io.p2p4j.node");
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "none");

    private LogLevels() {}

    /**
     * The slf4j-simple properties for a {@code --log_level} value.
     *
     * @param defaultLevel the level for what the value does not set
     * @throws IllegalArgumentException in one line naming the level or part that is wrong
     */
    static Map<String, String> properties(String spec, String defaultLevel) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("org.slf4j.simpleLogger.defaultLogLevel", defaultLevel);
        for (String part : spec.split(",")) {
            String item = part.trim();
            int colon = item.indexOf(':');
            if (colon < 0) {
                properties.put("org.slf4j.simpleLogger.defaultLogLevel", level(item, spec));
                continue;
            }
            String module = item.substring(0, colon).trim();
            String level = level(item.substring(colon + 1), spec);
            if (module.equals("*")) {
                properties.put("org.slf4j.simpleLogger.defaultLogLevel", level);
            } else if (MODULES.containsKey(module)) {
                properties.put("org.slf4j.simpleLogger.log." + MODULES.get(module), level);
            } else if (module.isEmpty()) {
                throw new IllegalArgumentException("--log_level \"" + spec + "\": \"" + item + "\" has no module before the colon");
            }
        }
        return properties;
    }

    private static String level(String text, String spec) {
        String level = text.trim().toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw new IllegalArgumentException("--log_level \"" + spec + "\": unknown level \"" + text.trim()
                    + "\" (debug, info, warn, error or none; or CometBFT's module:level,*:level)");
        }
        return level.equals("none") ? "off" : level;
    }
}
