package io.p2p4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Packages depend one way: each package of core's main sources may use only the packages before
 * it in {@link #LAYERS}, never one after it, so there is no cycle. A use is an import or a
 * fully qualified name in code (comments and strings do not count; a Javadoc link to a package
 * above is fine). Packages that are not in core's main sources (the generated
 * {@code io.p2p4j.proto}, a package moved to another module) are left out.
 */
class PackageLayersTest {
    /** From the bottom up: the order the package-info files state. */
    static final List<String> LAYERS = List.of(
            "io.p2p4j.crypto",
            "io.p2p4j.internal",
            "io.p2p4j.conn",
            "io.p2p4j.identity",
            "io.p2p4j.net",
            "io.p2p4j.secret",
            "io.p2p4j.transport",
            "io.p2p4j",
            "io.p2p4j.pex");

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");
    /** A qualified name in io.p2p4j: its package is the part before the first capitalised name. */
    private static final Pattern P2P4J_NAME = Pattern.compile("\\bio\\.p2p4j((?:\\.[a-z_][\\w]*)*)\\.[A-Z*]");

    @Test
    void everyPackageUsesOnlyPackagesBelowIt() throws IOException {
        Map<String, Set<String>> uses = usesInMainSources();
        assertThat(uses).as("packages found under " + MAIN.toAbsolutePath()).containsKey("io.p2p4j.conn");
        assertThat(LAYERS).as("every package of core's main sources has a place in the order")
                .containsAll(uses.keySet());
        assertThat(violations(uses)).isEmpty();
    }

    @Test
    void aUseOfAPackageAboveIsReported() {
        Map<String, Set<String>> uses = Map.of(
                "io.p2p4j.conn", Set.of("io.p2p4j.crypto", "io.p2p4j.transport"),
                "io.p2p4j.transport", Set.of("io.p2p4j.secret", "io.p2p4j.proto"));
        assertThat(violations(uses)).containsExactly("io.p2p4j.conn uses io.p2p4j.transport, which is above it");
    }

    @Test
    void onlyCodeCountsAsAUse() {
        String source = """
                package io.p2p4j.conn;
                import io.p2p4j.crypto.FrameCipher;
                /** Unlike {@link io.p2p4j.Switch}, ... */
                class X { // io.p2p4j.pex.AddrBook
                    String s = "io.p2p4j.transport.Transport";
                    io.p2p4j.identity.NodeId.Kind k; char c = '"';
                }
                """;
        assertThat(usesIn(source)).containsExactlyInAnyOrder("io.p2p4j.crypto", "io.p2p4j.identity");
    }

    /** Each main package and the other io.p2p4j packages of main sources that it uses. */
    private static Map<String, Set<String>> usesInMainSources() throws IOException {
        Set<String> inMain = new TreeSet<>();
        Map<String, Set<String>> uses = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(MAIN)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path file : files) {
            String code = codeOnly(Files.readString(file));
            Matcher m = PACKAGE.matcher(code);
            if (!m.find()) {
                continue;
            }
            inMain.add(m.group(1));
            uses.computeIfAbsent(m.group(1), k -> new TreeSet<>()).addAll(usesIn(code));
        }
        uses.values().forEach(used -> used.retainAll(inMain));
        return uses;
    }

    /** The io.p2p4j packages a source file names in its code, its own excepted. */
    static Set<String> usesIn(String source) {
        String code = codeOnly(source);
        Matcher own = PACKAGE.matcher(code);
        String self = own.find() ? own.group(1) : "";
        Set<String> used = new TreeSet<>();
        Matcher m = P2P4J_NAME.matcher(code);
        while (m.find()) {
            used.add("io.p2p4j" + m.group(1));
        }
        used.remove(self);
        return used;
    }

    static List<String> violations(Map<String, Set<String>> uses) {
        List<String> found = new ArrayList<>();
        uses.forEach((user, used) -> {
            for (String u : used) {
                if (LAYERS.contains(u) && LAYERS.indexOf(u) > LAYERS.indexOf(user)) {
                    found.add(user + " uses " + u + ", which is above it");
                }
            }
        });
        return found;
    }

    /** The source with comments and string and character literals blanked out. */
    static String codeOnly(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
                while (i < n && source.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && source.charAt(i) != c) {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
