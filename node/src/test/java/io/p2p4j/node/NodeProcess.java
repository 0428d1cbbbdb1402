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

    /**
     * Waits until {@code start} says on stdout that the node listens, which it does once it has
     * taken over SIGTERM and SIGINT (the log line of the same words comes before).
     */
    void awaitStarted(Duration limit) {
        await().atMost(limit).until(() -> output().lines().anyMatch(l -> l.startsWith("node ") && l.contains(" listening on "))
                || !process.isAlive());
        if (!process.isAlive()) {
            throw new AssertionError("the node ended; it printed:\n" + output());
        }
    }

    /** Waits until a line contains every one of {@code parts}, or the process ends. */
    void awaitLine(Duration limit, String... parts) {
        await().atMost(limit).until(() -> !lines(parts).isEmpty() || !process.isAlive());
        if (lines(parts).isEmpty()) {
            throw new AssertionError("no line with " + List.of(parts) + "; the node printed:\n" + output());
        }
    }

    /**
     * Sends SIGTERM (through the handle: {@link Process#destroy()} would also close our end of its
     * output, losing what it logs while stopping), waits up to 30 s for it to end (then kills it)
     * and for the rest of its output.
     *
     * @return its exit code
     */
    int stop() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        reader.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
