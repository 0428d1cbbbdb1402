package io.p2p4j.interop;

import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NetAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Go CometBFT node: {@code go-peer/}, built by {@link GoPeerBinary} (once, and only when
 * its source changed) and started as a process. Without Go on the PATH the tests are skipped,
 * except under CI (environment {@code CI} set, other than {@code false} or {@code 0}), where a
 * missing Go is a failure.
 */
final class GoPeer implements AutoCloseable {
    private static Path binary;

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final CountDownLatch endOfOutput = new CountDownLatch(1);
    private final PrintWriter stdin;
    final Path home;
    final NetAddress address;

    /** Waits for the READY line; the caller destroys the process if this throws. */
    private GoPeer(Process process, Path home) {
        this.process = process;
        this.home = home;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            } finally {
                endOfOutput.countDown();
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> firstFrom(0, "READY ").isPresent() || !process.isAlive());
        String ready = firstFrom(0, "READY ")
                .orElseThrow(() -> new IllegalStateException("go-peer did not start: " + String.join("\n", lines)));
        this.address = NetAddress.parse(ready.substring(ready.indexOf("addr=") + 5).trim());
    }

    /** Whether the environment variable {@code CI} asks for every test to run, Go-based ones too. */
    static boolean requiresGo(String ci) {
        if (ci == null || ci.isBlank()) {
            return false;
        }
        String value = ci.trim().toLowerCase(Locale.ROOT);
        return !value.equals("false") && !value.equals("0");
    }

    /** Builds go-peer (unless up to date) and returns the binary; skips or fails without Go. */
    static synchronized Path binary() throws Exception {
        if (binary != null) {
            return binary;
        }
        if (!GoPeerBinary.goOnPath()) {
            if (requiresGo(System.getenv("CI"))) {
                throw new IllegalStateException("Go is not on the PATH, and CI requires the interop tests to run");
            }
            Assumptions.abort("Go is not on the PATH: the interop tests against a real CometBFT node are skipped");
        }
        binary = GoPeerBinary.ensureBuilt(Path.of(""), GoPeerBinary.BUILD_TIME_LIMIT);
        return binary;
    }

    /** Starts a Go peer with its own home in {@code dir} and these extra flags. */
    static GoPeer start(Path dir, String... flags) throws Exception {
        Path home = Files.createTempDirectory(dir, "go");
        List<String> command = new ArrayList<>(List.of(binary().toString(), "-home", home.toString()));
        command.addAll(List.of(flags));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            return new GoPeer(process, home);
        } catch (Throwable e) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Every line the process printed so far. */
    List<String> output() {
        return List.copyOf(lines);
    }

    boolean printed(String fragment) {
        return lines.stream().anyMatch(l -> l.contains(fragment));
    }

    /** Sends a line command and returns the first answer line starting with {@code prefix}. */
    String ask(String command, String prefix) {
        int before = lines.size();
        stdin.println(command);
        return await().atMost(Duration.ofSeconds(10)).until(() -> firstFrom(before, prefix), Optional::isPresent).orElseThrow();
    }

    /** The first line from index {@code from} on that starts with {@code prefix}, in a snapshot of the lines. */
    private Optional<String> firstFrom(int from, String prefix) {
        List<String> snapshot = List.copyOf(lines); // the reader thread appends meanwhile
        return snapshot.subList(Math.min(from, snapshot.size()), snapshot.size()).stream()
                .filter(l -> l.startsWith(prefix)).findFirst();
    }

    /**
     * Sends SIGTERM, waits up to 20 s for the process to exit (then kills it) and for the last of
     * its output to be read.
     *
     * @return the exit code (137 or similar when it had to be killed)
     */
    int stop() throws InterruptedException {
        // SIGTERM through the handle: Process.destroy() would also close our end of its output,
        // and go-peer, logging as it stops, would die of SIGPIPE before saving its book
        process.toHandle().destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
        endOfOutput.await(10, TimeUnit.SECONDS);
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
