package io.p2p4j.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real {@code cometbft} command, {@value #VERSION}, installed with {@code go install} into a
 * cache folder outside the build ({@code $P2P4J_CACHE}, else {@code ~/.cache/p2p4j}) so that
 * {@code mvn clean} does not cost the several minutes of CPU a build takes. The tests that run
 * CometBFT nodes share it; a version is built once and kept.
 *
 * <p>Several processes may ask at once: each installs into a folder of its own and moves the
 * binary into place in one step.
 */
public final class CometBftBinary {
    /** The CometBFT release p2p4j is tested against. */
    public static final String VERSION = "v0.38.25";

    private CometBftBinary() {}

    /** The cache folder: {@code $P2P4J_CACHE}, else {@code .cache/p2p4j} under the user's home. */
    static Path cacheDir(Map<String, String> environment, String userHome) {
        String cache = environment.get("P2P4J_CACHE");
        return cache == null || cache.isBlank() ? Path.of(userHome, ".cache", "p2p4j") : Path.of(cache);
    }

    /**
     * The {@code cometbft} binary of {@link #VERSION}, installed first when it is not in the cache.
     *
     * @param limit how long {@code go install} may take before it is killed
     * @throws GoPeerBinary.BuildException when Go is missing, the install fails or outlives {@code limit}
     */
    public static Path ensureInstalled(Duration limit) throws GoPeerBinary.BuildException, IOException, InterruptedException {
        Path dir = cacheDir(System.getenv(), System.getProperty("user.home")).resolve("cometbft-" + VERSION);
        Path binary = dir.resolve("cometbft");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempDirectory(dir, "installing-");
        try {
            GoPeerBinary.run(List.of("env", "GOBIN=" + partial, "go", "install",
                    "github.com/cometbft/cometbft/cmd/cometbft@" + VERSION), dir, limit);
            Files.move(partial.resolve("cometbft"), binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial.resolve("cometbft"));
            Files.deleteIfExists(partial);
        }
        return binary;
    }
}
