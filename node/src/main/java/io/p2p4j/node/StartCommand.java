package io.p2p4j.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code p2p4j start}: runs a node from its home until SIGINT or SIGTERM, then saves the address
 * book and exits 0 (1, with the reason logged, when the book cannot be saved). Flags override
 * config.toml and keep CometBFT's names.
 */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Runs the node.")
final class StartCommand implements Callable<Integer> {
    @Mixin
    HomeOptions options;

    @Option(names = "--p2p.laddr", description = "Listen address, tcp://host:port.")
    String laddr;
    @Option(names = "--p2p.external-address", description = "Address advertised to peers, host:port.")
    String externalAddress;
    @Option(names = "--p2p.seeds", description = "Comma-separated id@host:port seed nodes.")
    String seeds;
    @Option(names = "--p2p.persistent_peers", description = "Comma-separated id@host:port peers to keep connected.")
    String persistentPeers;
    @Option(names = "--p2p.pex", arity = "1", description = "Peer exchange on or off (true/false).")
    String pex;
    @Option(names = "--p2p.seed_mode", arity = "1", description = "Run as a seed (true/false).")
    String seedMode;
    @Option(names = "--p2p.max_num_inbound_peers", description = "Most inbound peers.")
    String maxInbound;
    @Option(names = "--p2p.max_num_outbound_peers", description = "Outbound peers aimed for.")
    String maxOutbound;
    @Option(names = "--p2p.allow_duplicate_ip", arity = "1", description = "Several peers from one IP (true/false).")
    String allowDuplicateIp;
    @Option(names = "--p2p.addr_book_strict", arity = "1", description = "Only routable addresses in the book (true/false).")
    String addrBookStrict;
    @Option(names = "--chain-id", description = "The network to join.")
    String chainId;
    @Option(names = "--moniker", description = "This node's name.")
    String moniker;
    @Option(names = "--status.laddr", description = "Status server host:port; \"\" turns it off.")
    String statusLaddr;

    /** Released to stop the node: by SIGINT or SIGTERM in a process of its own, by tests in-process. */
    final CountDownLatch stop = new CountDownLatch(1);
    volatile Node node;
    private final boolean ownsProcess;

    /** A command run in-process (tests): it leaves the JVM's signals and shutdown hooks alone. */
    StartCommand() {
        this(false);
    }

    /** @param ownsProcess whether this JVM is the node's, so its SIGINT and SIGTERM stop the node */
    StartCommand(boolean ownsProcess) {
        this.ownsProcess = ownsProcess;
    }

    @Override
    public Integer call() throws Exception {
        Path home = options.home();
        Path configFile = home.resolve("config/config.toml");
        NodeConfig config = Files.exists(configFile) ? NodeConfig.load(configFile) : NodeConfig.defaults();
        for (Map.Entry<String, String> flag : flags().entrySet()) {
            if (flag.getValue() != null) {
                config.set(flag.getKey(), flag.getValue(), "flag");
            }
        }
        Node running = Node.start(home, config, null);
        node = running;
        Thread hook = ownsProcess ? takeOverProcessStop(running) : null;
        System.out.println("node " + running.sw.id() + " listening on " + running.sw.listenAddress()
                + (running.status == null ? "" : ", status on http://" + hostPort(running.status.address())));
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (hook != null) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        } catch (IllegalStateException shuttingDown) {
            return 0; // the hook is closing the node
        }
        boolean saved = running.stop();
        return saved && !Thread.currentThread().isInterrupted() ? 0 : 1;
    }

    /**
     * SIGTERM and SIGINT end the wait for {@link #stop}, so the node stops in order and the
     * process exits 0 (left to the JVM, a signal ends it with 128 + the signal number); a second
     * one while it stops ends the process at once, with 128 + the signal number. The
     * returned shutdown hook still closes the node, saving the book, if the JVM ends otherwise.
     */
    private Thread takeOverProcessStop(Node running) {
        Thread hook = new Thread(() -> {
            running.close();
            stop.countDown();
        }, "p2p4j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    if (stop.getCount() == 0) { // a second signal while stopping: do not wait any more
                        System.err.println("p2p4j: SIG" + name + " again, exiting without waiting for the stop");
                        Runtime.getRuntime().halt(128 + signal.getNumber());
                    }
                    stop.countDown();
                });
            } catch (IllegalArgumentException unsupported) {
                // not on this platform: the shutdown hook still saves the book
            }
        }
        return hook;
    }

    private static String hostPort(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    private Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("p2p.laddr", laddr);
        flags.put("p2p.external_address", externalAddress);
        flags.put("p2p.seeds", seeds);
        flags.put("p2p.persistent_peers", persistentPeers);
        flags.put("p2p.pex", pex);
        flags.put("p2p.seed_mode", seedMode);
        flags.put("p2p.max_num_inbound_peers", maxInbound);
        flags.put("p2p.max_num_outbound_peers", maxOutbound);
        flags.put("p2p.allow_duplicate_ip", allowDuplicateIp);
        flags.put("p2p.addr_book_strict", addrBookStrict);
        flags.put("p2p4j.chain_id", chainId);
        flags.put("moniker", moniker);
        flags.put("p2p4j.status_laddr", statusLaddr);
        return flags;
    }
}
