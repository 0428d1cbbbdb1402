package io.p2p4j.interop;

import static org.awaitility.Awaitility.await;

import io.p2p4j.NetAddress;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Go CometBFT node: {@code go-peer/}, built once with {@code go build} into the build
 * folder and started as a process. Without Go on the PATH the tests are skipped, except under CI
 * (environment {@code CI=true}), where a missing Go is a failure.
 */
final class GoPeer implements AutoCloseable {
    private static Path binary;

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final PrintWriter stdin;
    final NetAddress address;

    private GoPeer(Process process) {
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> ready() != null || !process.isAlive());
        String ready = ready();
        if (ready == null) {
            throw new IllegalStateException("go-peer did not start: " + String.join("\n", lines));
        }
        this.address = NetAddress.parse(ready.substring(ready.indexOf("addr=") + 5).trim());
    }

    private String ready() {
        return lines.stream().filter(l -> l.startsWith("READY ")).findFirst().orElse(null);
    }

    /** Builds go-peer (once per test run) and returns the binary; skips or fails without Go. */
    static synchronized Path binary() throws Exception {
        if (binary != null) {
            return binary;
        }
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        boolean haveGo;
        try {
            haveGo = new ProcessBuilder("go", "version").redirectErrorStream(true).start().waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            haveGo = false;
        }
        if (!haveGo) {
            if (ci) {
                throw new IllegalStateException("Go is not on the PATH, and CI requires the interop tests to run");
            }
            Assumptions.assumeTrue(false, "Go is not on the PATH: the interop tests against a real CometBFT node are skipped");
        }
        Path source = Path.of("go-peer").toAbsolutePath();
        Path out = Path.of("target", "go-peer", "go-peer").toAbsolutePath();
        Files.createDirectories(out.getParent());
        Process build = new ProcessBuilder("go", "build", "-o", out.toString(), ".").directory(source.toFile())
                .redirectErrorStream(true).start();
        String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!build.waitFor(15, TimeUnit.MINUTES) || build.exitValue() != 0) {
            throw new IllegalStateException("go build of go-peer failed:\n" + log);
        }
        binary = out;
        return binary;
    }

    /** Starts a Go peer with its own home in {@code dir} and these extra flags. */
    static GoPeer start(Path dir, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(binary().toString(), "-home", Files.createTempDirectory(dir, "go").toString()));
        command.addAll(List.of(flags));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new GoPeer(process);
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
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.subList(before, lines.size()).stream().anyMatch(l -> l.startsWith(prefix)));
        return lines.subList(before, lines.size()).stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: go-peer stops its switch and saves its book
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
