package io.p2p4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p2p4j.Switch;
import io.p2p4j.testing.ConnectedSwitches;
import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core and testkit jars as a library user gets them from {@code mvn install}: core a named
 * module exporting only its API packages, which resolves on a module path holding the jars it
 * requires; the test kit a module of its own; sources and javadoc beside core. Runs where the
 * build has packaged them ({@code mvn verify}, {@code mvn install}); skipped when core comes as
 * a classes folder.
 */
class LibraryJarTest {
    /** The jars core and the test kit need on a module path, among this test's class path. */
    private static final Pattern MODULE_PATH = Pattern.compile(
            "p2p4j-(core|testkit)-[0-9][^/\\\\]*(?<!-tests)\\.jar|netty-(transport|buffer|common|codec-base|resolver)-.*"
                    + "|protobuf-java-.*|bcprov-.*|slf4j-api-.*|jackson-(core|databind|annotations)-.*");

    @Test
    void theCoreJarIsAModuleExportingOnlyTheApiWithSourcesAndJavadocBesideIt() throws Exception {
        Path jar = jarOf(Switch.class);
        assumeTrue(Files.isRegularFile(jar), "core is not packaged in this build: " + jar);
        ModuleDescriptor module = ModuleFinder.of(jar).findAll().iterator().next().descriptor();
        assertThat(module.name()).isEqualTo("io.p2p4j");
        assertThat(module.isAutomatic()).isFalse();
        assertThat(module.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source))
                .containsExactlyInAnyOrder("io.p2p4j", "io.p2p4j.conn", "io.p2p4j.identity", "io.p2p4j.net",
                        "io.p2p4j.pex");
        String base = jar.getFileName().toString().replaceFirst("\\.jar$", "");
        assertThat(jar.resolveSibling(base + "-sources.jar")).exists();
        assertThat(jar.resolveSibling(base + "-javadoc.jar")).exists();
    }

    @Test
    void coreAndTheTestKitResolveOnAModulePath() throws Exception {
        assumeTrue(Files.isRegularFile(jarOf(Switch.class)) && Files.isRegularFile(jarOf(ConnectedSwitches.class)),
                "core or the test kit is not packaged in this build");
        Path[] modulePath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(p -> Files.isRegularFile(p) && MODULE_PATH.matcher(p.getFileName().toString()).matches())
                .toArray(Path[]::new);
        Configuration resolved = ModuleLayer.boot().configuration()
                .resolve(ModuleFinder.of(modulePath), ModuleFinder.of(), Set.of("io.p2p4j", "io.p2p4j.testkit"));
        assertThat(resolved.findModule("io.p2p4j")).isPresent();
        assertThat(resolved.findModule("io.p2p4j.testkit")).isPresent();
        assertThat(resolved.findModule("io.netty.codec")).as("netty-codec-base").isPresent();
    }

    private static Path jarOf(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
