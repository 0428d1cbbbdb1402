package io.p2p4j.testing;

import io.p2p4j.net.TransportKind;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.SwitchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * A test kit for users' own reactor tests, like CometBFT's MakeConnectedSwitches: N switches on
 * 127.0.0.1 (real TCP with encryption, or in-process channels), started and fully connected,
 * each pair once. Close it to close them all.
 *
 * <pre>{@code
 * try (ConnectedSwitches net = ConnectedSwitches.create(3, TransportKind.TCP,
 *         (i, builder) -> builder.reactor("chat", new ChatReactor()))) {
 *     net.get(0).peers().list() ... // two peers each
 * }
 * }</pre>
 */
public final class ConnectedSwitches implements AutoCloseable {
    private final List<Switch> switches;

    private ConnectedSwitches(List<Switch> switches) {
        this.switches = switches;
    }

    /**
     * Settings for test switches: listen on 127.0.0.1 port 0, several peers per IP allowed, and
     * as many pending handshakes from one IP as in all (every test switch dials from 127.0.0.1).
     */
    public static P2pConfig testConfig() {
        P2pConfig defaults = P2pConfig.defaults();
        return defaults.withListen("tcp://127.0.0.1:0").withAllowDuplicateIp(true)
                .withMaxPendingHandshakes(defaults.maxPendingHandshakes(), defaults.maxPendingHandshakes());
    }

    /**
     * Builds, starts and connects {@code n} switches; {@code customize} adds reactors (and
     * anything else) to the builder of switch {@code i}. Waits up to 30 s for every connection.
     *
     * @throws IllegalStateException if the network did not form in time
     */
    public static ConnectedSwitches create(int n, TransportKind kind, BiConsumer<Integer, Switch.Builder> customize) {
        return create(n, kind, testConfig(), customize);
    }

    /** As {@link #create(int, TransportKind, BiConsumer)}, with these settings for every switch. */
    public static ConnectedSwitches create(int n, TransportKind kind, P2pConfig config,
            BiConsumer<Integer, Switch.Builder> customize) {
        List<Switch> switches = new ArrayList<>();
        List<CompletableFuture<?>> formed = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                CompletableFuture<Void> full = new CompletableFuture<>();
                AtomicReference<Switch> self = new AtomicReference<>();
                Switch.Builder builder = Switch.builder(NodeKey.generate(), config).transport(kind).moniker("switch-" + i)
                        .listener(new SwitchListener() {
                            @Override
                            public void peerAdded(Peer peer) {
                                if (self.get() != null && self.get().peers().size() >= n - 1) {
                                    full.complete(null);
                                }
                            }
                        });
                customize.accept(i, builder);
                Switch sw = builder.build();
                self.set(sw);
                switches.add(sw);
                formed.add(n == 1 ? CompletableFuture.completedFuture(null) : full);
                sw.start();
            }
            List<CompletableFuture<?>> dials = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    dials.add(switches.get(i).dial(switches.get(j).listenAddress()));
                }
            }
            CompletableFuture.allOf(dials.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            try {
                CompletableFuture.allOf(formed.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                StringBuilder counts = new StringBuilder();
                switches.forEach(sw -> counts.append(' ').append(sw.peers().size()));
                throw new IllegalStateException("peers per switch:" + counts + ", expected " + (n - 1) + " each", e);
            }
            return new ConnectedSwitches(switches);
        } catch (Exception e) {
            switches.forEach(Switch::close);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("could not connect " + n + " switches: " + e.getMessage(), e);
        }
    }

    /** Switch {@code i}. */
    public Switch get(int i) {
        return switches.get(i);
    }

    /** All switches, in creation order. */
    public List<Switch> all() {
        return List.copyOf(switches);
    }

    @Override
    public void close() {
        switches.forEach(Switch::close);
    }
}
