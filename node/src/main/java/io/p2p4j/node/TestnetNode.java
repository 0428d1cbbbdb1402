package io.p2p4j.node;

import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.pex.AddrBook;
import io.p2p4j.pex.PexConfig;
import io.p2p4j.pex.PexReactor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * One p2p4j node of {@code p2p4j testnet}, a process of its own in its network namespace: the
 * node's config.toml (written by the runner), PEX, and the testnet gossip on channel 0x72, which
 * go-peer's {@code -testnet-gossip} speaks too. It prints {@code TN} lines on standard output
 * (peers as they change, the first sight of each message, with wall-clock microseconds: every
 * node runs on the same machine, so the clocks agree) and takes {@code publish <id>} on standard input.
 */
final class TestnetNode {
    static final byte CHANNEL = 0x72;

    private TestnetNode() { }

    /** Arguments: the home folder and the PEX ensure-peers period in milliseconds. */
    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        Duration ensurePeers = Duration.ofMillis(Long.parseLong(args[1]));
        NodeConfig config = NodeConfig.load(home.resolve("config/config.toml"));
        NodeKey key = NodeKey.loadOrGenerate(home.resolve("config/node_key.json"));
        AddrBook book = AddrBook.open(home.resolve(config.get("p2p.addr_book_file")), config.addrBookRoutability());
        Gossip gossip = new Gossip();
        PexConfig pex = PexConfig.defaults().withSeeds(Node.addresses(config, "p2p.seeds"))
                .withSeedMode(config.boolValue("p2p.seed_mode")).withEnsurePeersPeriod(ensurePeers);
        Switch sw = Switch.builder(key, Node.p2pConfig(config))
                .network(config.get("p2p4j.chain_id"))
                .moniker(config.get("moniker"))
                .reactor("pex", new PexReactor(book, pex))
                .reactor("gossip", gossip)
                .build();
        sw.start();
        Thread.ofVirtual().start(() -> reportPeers(sw));
        System.out.println("TN READY " + sw.id().hex());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] words = line.trim().split("\\s+");
            if (words.length == 2 && words[0].equals("publish")) {
                gossip.publish(words[1]);
            }
        }
        sw.close();
    }

    static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    /** Prints {@code TN PEERS <micros> <outbound> <inbound> <ids>} when the peer set changes (polled, as go-peer does). */
    private static void reportPeers(Switch sw) {
        String last = "";
        while (true) {
            int out = 0;
            int in = 0;
            List<String> ids = new ArrayList<>();
            for (Peer p : sw.peers().list()) {
                if (p.isOutbound()) {
                    out++;
                } else {
                    in++;
                }
                ids.add(p.id().hex());
            }
            ids.sort(null);
            String now = out + " " + in + " " + String.join(",", ids);
            if (!now.equals(last)) {
                System.out.println("TN PEERS " + micros() + " " + now);
                last = now;
            }
            LockSupport.parkNanos(100_000_000L);
        }
    }

    /** Floods each message (a protobuf BytesValue holding its id) once to every peer but the sender. */
    static final class Gossip extends BaseReactor {
        private final Set<String> seen = new HashSet<>();

        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(CHANNEL).priority(1).sendQueueCapacity(100).recvMessageCapacity(1 << 20).build());
        }

        void publish(String id) {
            if (firstTime(id)) {
                System.out.println("TN SEEN " + id + " " + micros() + " self");
                flood(id, null);
            }
        }

        @Override
        public void receive(byte channelId, Peer from, byte[] message) {
            if (message.length < 2 || message[0] != 0x0a || (message[1] & 0x80) != 0 || message[1] != message.length - 2) {
                return;
            }
            String id = new String(message, 2, message.length - 2, StandardCharsets.UTF_8);
            if (firstTime(id)) {
                System.out.println("TN SEEN " + id + " " + micros() + " " + from.id().hex());
                flood(id, from);
            }
        }

        private synchronized boolean firstTime(String id) {
            return seen.add(id);
        }

        private void flood(String id, Peer except) {
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            byte[] message = new byte[bytes.length + 2];
            message[0] = 0x0a;
            message[1] = (byte) bytes.length;
            System.arraycopy(bytes, 0, message, 2, bytes.length);
            for (Peer peer : sw().peers().list()) {
                if (except == null || !peer.id().equals(except.id())) {
                    peer.trySend(CHANNEL, message);
                }
            }
        }
    }
}
