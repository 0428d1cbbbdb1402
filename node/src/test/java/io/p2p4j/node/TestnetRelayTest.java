package io.p2p4j.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The testnet's relay on loopback (no namespaces needed): it delays each direction by the regions'
 * one-way latency, and a cut closes the node's connections and refuses new ones until restored.
 */
class TestnetRelayTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void delaysByRegionAndCuts(@TempDir Path dir) throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.3"))) {
            Thread.ofVirtual().start(() -> echoAll(echo));
            int port = echo.getLocalPort();
            // node 0 listens on 127.0.0.3 behind its relay at 127.0.0.2; node 1 dials from 127.0.0.1
            Path conf = dir.resolve("relay.conf");
            Files.writeString(conf, "latency 0 1 60\njitter 0\nloss 0\n"
                    + "node 0 127.0.0.2 127.0.0.3 " + port + " 0\nnode 1 127.0.0.5 127.0.0.1 " + port + " 1\n");
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), TestnetRelay.class.getName(), conf.toString()));
            Process relay = new ProcessBuilder(command).redirectError(dir.resolve("relay.err").toFile()).start();
            try (BufferedReader out = relay.inputReader();
                    PrintWriter in = new PrintWriter(relay.getOutputStream(), true, StandardCharsets.UTF_8)) {
                assertThat(out.readLine()).startsWith("RELAY READY");
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress("127.0.0.1", 0));
                    s.connect(new InetSocketAddress("127.0.0.2", port), 5_000);
                    s.setSoTimeout(10_000);
                    long best = Long.MAX_VALUE;
                    for (int round = 0; round < 5; round++) {
                        long start = System.nanoTime();
                        s.getOutputStream().write(round);
                        assertThat(s.getInputStream().read()).isEqualTo(round);
                        best = Math.min(best, System.nanoTime() - start);
                    }
                    assertThat(TimeUnit.NANOSECONDS.toMillis(best)).as("round trip through 60 ms each way").isBetween(120L, 2_000L);

                    in.println("cut 0");
                    assertThat(out.readLine()).isEqualTo("OK cut 0");
                    assertThat(readOrEnd(s.getInputStream())).as("the cut connection ends").isEqualTo(-1);
                }
                try (Socket refused = new Socket()) {
                    refused.bind(new InetSocketAddress("127.0.0.1", 0));
                    refused.setSoTimeout(10_000);
                    int read; // the relay resets it at once: during the connect, or at the first read
                    try {
                        refused.connect(new InetSocketAddress("127.0.0.2", port), 5_000);
                        read = readOrEnd(refused.getInputStream());
                    } catch (java.net.SocketException reset) {
                        read = -1;
                    }
                    assertThat(read).as("refused while cut").isEqualTo(-1);
                }
                in.println("restore 0");
                assertThat(out.readLine()).isEqualTo("OK restore 0");
                try (Socket again = new Socket()) {
                    again.bind(new InetSocketAddress("127.0.0.1", 0));
                    again.connect(new InetSocketAddress("127.0.0.2", port), 5_000);
                    again.setSoTimeout(10_000);
                    again.getOutputStream().write(7);
                    assertThat(again.getInputStream().read()).isEqualTo(7);
                }
            } finally {
                relay.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(relay.isAlive()).isFalse();
        }
    }

    private static int readOrEnd(InputStream in) {
        try {
            return in.read();
        } catch (java.io.IOException reset) {
            return -1;
        }
    }

    private static void echoAll(ServerSocket server) {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (java.io.IOException closed) {
                return;
            }
            Thread.ofVirtual().start(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    for (int b = in.read(); b >= 0; b = in.read()) {
                        out.write(b);
                    }
                } catch (java.io.IOException ended) {
                    // the relay closed it
                }
            });
        }
    }
}
