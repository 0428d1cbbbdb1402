package io.p2p4j.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process the benchmarks drive by lines: they read what it prints (a go-peer, or a p2p4j node
 * in a JVM of its own) and write commands to its standard input.
 */
final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final Writer commands;
    private final List<String> lines = new ArrayList<>();

    ChildProcess(List<String> command) throws Exception {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
    }

    /** A go-peer with its own home folder, PEX off unless the flags turn it on. */
    static ChildProcess goPeer(Path binary, Path work, String... flags) throws Exception {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-home",
                Files.createTempDirectory(work, "home").toString(), "-pex=false"));
        command.addAll(List.of(flags));
        return new ChildProcess(command);
    }

    /** The first line printed so far or within {@code seconds} that starts with {@code prefix}. */
    String waitFor(String prefix, long seconds) throws InterruptedException {
        return waitFor(List.of(prefix), 0, seconds);
    }

    /** The first line printed so far or within {@code seconds} that starts with one of {@code prefixes}. */
    String waitForAny(List<String> prefixes, long seconds) throws InterruptedException {
        return waitFor(prefixes, 0, seconds);
    }

    /** Every line printed so far (a copy). */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Writes a command line and waits for the first line with {@code prefix} printed after it. */
    String ask(String command, String prefix, long seconds) throws Exception {
        int from;
        synchronized (lines) {
            from = lines.size();
        }
        commands.write(command + "\n");
        commands.flush();
        return waitFor(List.of(prefix), from, seconds);
    }

    private String waitFor(List<String> prefixes, int from, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (lines) {
            for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                for (String line : lines.subList(from, lines.size())) {
                    if (prefixes.stream().anyMatch(line::startsWith)) {
                        return line;
                    }
                }
                TimeUnit.NANOSECONDS.timedWait(lines, left); // woken by each new line
            }
            throw new IllegalStateException("the process did not print " + String.join(" or ", prefixes) + ": "
                    + lines.subList(Math.max(from, lines.size() - 20), lines.size()));
        }
    }

    @Override
    public void close() throws Exception {
        // SIGTERM through the handle: Process.destroy() also closes the pipes, and a go-peer that
        // logs as it stops would die of SIGPIPE instead of stopping cleanly
        process.toHandle().destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
