package io.p2p4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.p2p4j.Switch;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The core jar as a library user gets it from {@code mvn install}: a stable module name on the
 * module path, and its sources and javadoc beside it. Runs where the build has packaged core
 * ({@code mvn verify}, {@code mvn install}); skipped when core comes as a classes folder.
 */
class LibraryJarTest {
    @Test
    void theCoreJarHasAModuleNameAndSourcesAndJavadocBesideIt() throws Exception {
        Path jar = Path.of(Switch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assumeTrue(Files.isRegularFile(jar), "core is not packaged in this build: " + jar);
        ModuleReference module = ModuleFinder.of(jar).findAll().iterator().next();
        assertThat(module.descriptor().name()).isEqualTo("io.p2p4j");
        assertThat(module.descriptor().isAutomatic()).isTrue();
        String base = jar.getFileName().toString().replaceFirst("\\.jar$", "");
        assertThat(jar.resolveSibling(base + "-sources.jar")).exists();
        assertThat(jar.resolveSibling(base + "-javadoc.jar")).exists();
    }
}
