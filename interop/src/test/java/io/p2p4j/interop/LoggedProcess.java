package io.p2p4j.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A node run as a process, its stdout and stderr merged into a log kept in memory, and its
 * HTTP status (CometBFT's RPC, p2p4j's status server) read as JSON. Closing sends SIGTERM and
 * waits, then kills.
 */
final class LoggedProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LoggedProcess(Process process) {
        this.process = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    static LoggedProcess start(List<String> command) throws IOException {
        return new LoggedProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** GET http://127.0.0.1:port/path as JSON; null while nothing answers there with 200. */
    static JsonNode getJson(int port, String path) {
        try {
            HttpResponse<String> reply = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return reply.statusCode() == 200 ? JSON.readTree(reply.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The peer ids of a {@code /net_info} reply; empty for none. */
    static List<String> peerIds(JsonNode netInfo) {
        List<String> ids = new java.util.ArrayList<>();
        if (netInfo != null) {
            netInfo.path("result").path("peers").forEach(p -> ids.add(p.path("node_info").path("id").asText()));
        }
        return ids;
    }

    /** Whether a line of the log contains every one of {@code parts}. */
    boolean logged(String... parts) {
        return lines.stream().anyMatch(line -> List.of(parts).stream().allMatch(line::contains));
    }

    String log() {
        return String.join("\n", lines);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
