package io.p2p4j.node;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code p2p4j} run in a JVM of its own with this test's class path, its stdout and stderr
 * merged and kept: what an operator sees, with the default log level of the real command.
 */
final class NodeProcess implements AutoCloseable {
    private final Process process;
    private final StringBuilder output = new StringBuilder();
    private final Thread reader;

    private NodeProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    static NodeProcess start(String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new NodeProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    /** The lines printed so far that contain every one of {@code parts}. */
    List<String> lines(String... parts) {
        return output().lines().filter(line -> List.of(parts).stream().allMatch(line::contains)).toList();
    }

    /** Waits until a line contains every one of {@code parts}, or the process ends. */
    void awaitLine(Duration limit, String... parts) {
        await().atMost(limit).until(() -> !lines(parts).isEmpty() || !process.isAlive());
        if (lines(parts).isEmpty()) {
            throw new AssertionError("no line with " + List.of(parts) + "; the node printed:\n" + output());
        }
    }

    Process process() {
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        reader.join(Duration.ofSeconds(5));
    }
}
