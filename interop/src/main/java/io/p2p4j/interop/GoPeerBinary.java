package io.p2p4j.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The go-peer program ({@code go-peer/} in the interop module) built with {@code go build} into
 * {@code target/go-peer/go-peer} of that module. The interop tests and the benchmarks share it:
 * the build is skipped while the binary is newer than every file under {@code go-peer/}, so one
 * build serves every test JVM and benchmark run until the Go source changes.
 *
 * <p>Several processes may ask at once: each build links into a file of its own and moves it
 * into place in one step, so a binary being run is never half written.
 */
public final class GoPeerBinary {
    /** Long enough for a first build that downloads the cometbft module and its dependencies. */
    public static final Duration BUILD_TIME_LIMIT = Duration.ofMinutes(15);

    private static final int LOG_TAIL_CHARS = 8_000;

    /** The {@code go} command is missing, or a command did not succeed in time. */
    public static final class BuildException extends Exception {
        private static final long serialVersionUID = 1L;

        BuildException(String message) {
            super(message);
        }

        BuildException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** True when {@code go version} runs and succeeds within a minute. */
    public static boolean goOnPath() throws IOException, InterruptedException {
        try {
            run(List.of("go", "version"), Path.of("."), Duration.ofMinutes(1));
            return true;
        } catch (BuildException e) {
            return false;
        }
    }

    /**
     * The go-peer binary of the interop module in {@code moduleDir}, built first when it is
     * missing or older than a file of its source.
     *
     * @param limit how long {@code go build} may take before it is killed
     * @throws BuildException when Go is missing, the build fails, or it takes longer than {@code limit}
     */
    public static Path ensureBuilt(Path moduleDir, Duration limit) throws BuildException, IOException, InterruptedException {
        Path source = moduleDir.resolve("go-peer").toAbsolutePath();
        Path out = moduleDir.resolve(Path.of("target", "go-peer", "go-peer")).toAbsolutePath();
        if (upToDate(out, source)) {
            return out;
        }
        Files.createDirectories(out.getParent());
        Path partial = out.resolveSibling("go-peer.building-" + ProcessHandle.current().pid());
        try {
            run(List.of("go", "build", "-o", partial.toString(), "."), source, limit);
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
        return out;
    }

    /**
     * Whether {@code binary} exists and is newer than every file and folder under {@code source}
     * (folders too, since deleting or renaming a file changes only its folder's time).
     */
    static boolean upToDate(Path binary, Path source) throws IOException {
        if (!Files.isRegularFile(binary)) {
            return false;
        }
        FileTime built = Files.getLastModifiedTime(binary);
        try (Stream<Path> files = Files.walk(source)) {
            return files.allMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).compareTo(built) < 0;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Runs {@code command} in {@code dir} with its output going to a file, so a chatty command
     * cannot block on a full pipe and the time limit holds; on timeout the command and the
     * processes it started are killed.
     *
     * @return what the command printed
     * @throws BuildException if it cannot start, exits non-zero, or outlives {@code limit}
     */
    static String run(List<String> command, Path dir, Duration limit) throws BuildException, IOException, InterruptedException {
        Path log = Files.createTempFile("go-peer-build", ".log");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new BuildException(command.getFirst() + " cannot be started (is Go installed and on the PATH?): "
                        + e.getMessage(), e);
            }
            process.getOutputStream().close(); // it reads nothing
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new BuildException(String.join(" ", command) + " did not finish within " + limit + ":\n" + tail(log));
            }
            if (process.exitValue() != 0) {
                throw new BuildException(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + tail(log));
            }
            return Files.readString(log, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Kills the process and what it started ({@code go build} runs the compiler and linker as children). */
    private static void kill(Process process) throws InterruptedException {
        List<ProcessHandle> children = new ArrayList<>(process.descendants().toList()); // before they lose their parent
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private static String tail(Path log) throws IOException {
        String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        return text.length() <= LOG_TAIL_CHARS ? text : "…" + text.substring(text.length() - LOG_TAIL_CHARS);
    }

    private GoPeerBinary() {}
}
