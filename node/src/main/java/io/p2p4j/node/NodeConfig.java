package io.p2p4j.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.p2p4j.P2pConfig;
import io.p2p4j.conn.MConnectionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's settings: CometBFT's config.toml keys for what p2p4j shares with it (the top-level
 * {@code moniker} and {@code genesis_file}, the {@code [p2p]} section), plus a {@code [p2p4j]}
 * section for the status server and socket buffers. The network is genesis.json's chain_id, as
 * for CometBFT; {@code [p2p4j] chain_id} or {@code --chain-id} may repeat it, or stand in for a
 * home without a genesis file.
 *
 * <p>A CometBFT home's config.toml is read as it is. The rule for keys: those p2p4j uses are
 * checked strictly (a bad value is an error naming the key); the rest of CometBFT's layout
 * (v0.34 to v0.38: its other top-level keys, {@code [p2p]} keys p2p4j has no use for, and whole
 * sections such as {@code [rpc]} or {@code [mempool]}, whatever they hold) is accepted and
 * ignored, logged at debug; any other key or section is an error naming it, so that a typo does
 * not pass silently.
 */
final class NodeConfig {
    private static final Logger log = LoggerFactory.getLogger(NodeConfig.class);

    /** CometBFT's sections that p2p4j has no use for; {@code fastsync} is v0.34's name for {@code blocksync}. */
    static final Set<String> COMETBFT_OTHER_SECTIONS = Set.of("rpc", "mempool", "statesync", "blocksync", "fastsync",
            "consensus", "storage", "tx_index", "instrumentation");
    /** CometBFT's top-level keys besides {@code moniker}; {@code fast_sync} (v0.34) and {@code block_sync} (v0.37) linger in upgraded homes. */
    static final Set<String> COMETBFT_OTHER_TOP_LEVEL = Set.of("version", "home", "proxy_app", "fast_sync", "block_sync",
            "db_backend", "db_dir", "log_level", "log_format", "priv_validator_key_file",
            "priv_validator_state_file", "priv_validator_laddr", "node_key_file", "abci", "filter_peers",
            "event_bus_buffer_capacity");
    /** CometBFT's {@code [p2p]} keys that p2p4j has no use for: v0.34's UPnP, and test-only settings. */
    static final Set<String> COMETBFT_OTHER_P2P = Set.of("upnp", "home", "test_dial_fail");

    /**
     * The status server's default port: next to CometBFT's (26656 p2p, 26657 RPC, 26658 ABCI,
     * 26660 Prometheus, 6060 pprof) without taking one of them, so both run on one host.
     */
    static final int DEFAULT_STATUS_PORT = 26670;

    /** The network of a new home, written to its genesis.json by {@code p2p4j init}. */
    static final String DEFAULT_CHAIN_ID = "p2p4j-devnet";

    final Map<String, String> values = new LinkedHashMap<>();
    /** Where each value that is not a default came from: a file, or "flag". */
    private final Map<String, String> origins = new LinkedHashMap<>();

    /** The defaults (CometBFT v0.38's for [p2p]). */
    static NodeConfig defaults() {
        NodeConfig c = new NodeConfig();
        c.values.put("moniker", "p2p4j-node");
        // where the network comes from, as in CometBFT: genesis.json's chain_id
        c.values.put("genesis_file", "config/genesis.json");
        // only to repeat genesis.json's chain_id, or to stand in for a missing genesis file
        c.values.put("p2p4j.chain_id", "");
        c.values.put("p2p4j.status_laddr", "127.0.0.1:" + DEFAULT_STATUS_PORT);
        c.values.put("p2p4j.socket_buffer_bytes", "0");
        c.values.put("p2p4j.max_reassembly_bytes", String.valueOf(MConnectionConfig.defaults().maxReassemblyBytes()));
        c.values.put("p2p4j.max_pings_per_second", "10");
        c.values.put("p2p4j.max_pending_handshakes", "64");
        c.values.put("p2p4j.max_pending_handshakes_per_ip", "4");
        c.values.put("p2p4j.mailbox_reserve_bytes", String.valueOf(P2pConfig.defaults().mailboxReserveBytes()));
        c.values.put("p2p.laddr", "tcp://0.0.0.0:26656");
        c.values.put("p2p.external_address", "");
        c.values.put("p2p.seeds", "");
        c.values.put("p2p.persistent_peers", "");
        c.values.put("p2p.max_num_inbound_peers", "40");
        c.values.put("p2p.max_num_outbound_peers", "10");
        c.values.put("p2p.unconditional_peer_ids", "");
        c.values.put("p2p.private_peer_ids", "");
        c.values.put("p2p.pex", "true");
        c.values.put("p2p.seed_mode", "false");
        c.values.put("p2p.addr_book_file", "data/addrbook.json");
        c.values.put("p2p.addr_book_strict", "true");
        c.values.put("p2p.allow_duplicate_ip", "false");
        c.values.put("p2p.send_rate", "5120000");
        c.values.put("p2p.recv_rate", "5120000");
        c.values.put("p2p.max_packet_msg_payload_size", "1024");
        c.values.put("p2p.flush_throttle_timeout", "100ms");
        // CometBFT writes 20s and 3s but its transport applies its own 3 s per handshake stage and 1 s
        // dial whatever they say; p2p4j applies the keys, and defaults to the limits CometBFT enforces
        // (its handshake_timeout bounds both stages together, so a peer cannot take twice as long)
        c.values.put("p2p.handshake_timeout", "3s");
        c.values.put("p2p.dial_timeout", "1s");
        c.values.put("p2p.persistent_peers_max_dial_period", "0s");
        // CometBFT's fault injection for tests (its FuzzedConnection): off, and its defaults when on
        c.values.put("p2p.test_fuzz", "false");
        c.values.put("p2p.test_fuzz_config.mode", "0");
        c.values.put("p2p.test_fuzz_config.max_delay", "3s");
        c.values.put("p2p.test_fuzz_config.prob_drop_rw", "0.2");
        c.values.put("p2p.test_fuzz_config.prob_drop_conn", "0");
        c.values.put("p2p.test_fuzz_config.prob_sleep", "0");
        return c;
    }

    /** Reads config.toml over the defaults. @throws ConfigException naming the file and the problem */
    static NodeConfig load(Path file) throws ConfigException {
        NodeConfig c = defaults();
        JsonNode root;
        try {
            root = new TomlMapper().readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // file:line:column, as compilers say it, so an editor can jump there
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new ConfigException(file + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
                    + ": not valid TOML: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + Main.describe(e));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            if (key.equals("p2p") || key.equals("p2p4j")) {
                if (!value.isObject()) {
                    throw new ConfigException(file + ": \"" + key + "\" must be a section, [" + key + "]");
                }
                for (Iterator<Map.Entry<String, JsonNode>> inner = value.fields(); inner.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = inner.next();
                    if (key.equals("p2p") && COMETBFT_OTHER_P2P.contains(e.getKey())) {
                        log.debug("{}: ignoring p2p.{} (p2p4j has no use for it)", file, e.getKey());
                    } else if (key.equals("p2p") && e.getKey().equals("test_fuzz_config") && e.getValue().isObject()) {
                        for (Iterator<Map.Entry<String, JsonNode>> fuzz = e.getValue().fields(); fuzz.hasNext(); ) {
                            Map.Entry<String, JsonNode> f = fuzz.next();
                            String name = "p2p.test_fuzz_config." + f.getKey();
                            c.set(name, scalar(file, name, f.getValue()), file.toString());
                        }
                    } else {
                        c.set(key + "." + e.getKey(), scalar(file, key + "." + e.getKey(), e.getValue()), file.toString());
                    }
                }
            } else if (key.equals("moniker") || key.equals("genesis_file")) {
                c.set(key, scalar(file, key, value), file.toString());
            } else if (value.isObject() ? COMETBFT_OTHER_SECTIONS.contains(key) : COMETBFT_OTHER_TOP_LEVEL.contains(key)) {
                log.debug("{}: ignoring {} (p2p4j has no use for it)", file, value.isObject() ? "[" + key + "]" : key);
            } else if (value.isObject()) {
                throw new ConfigException(file + ": unknown section [" + key + "]");
            } else {
                throw new ConfigException(file + ": unknown key \"" + key + "\"");
            }
        }
        return c;
    }

    /** A key's value as text; a list or table where p2p4j expects one value is an error naming the key. */
    private static String scalar(Path file, String key, JsonNode value) throws ConfigException {
        if (value.isContainerNode()) {
            throw new ConfigException(file + ": " + key + " must be a single value, not a " + (value.isArray() ? "list" : "table"));
        }
        return value.asText();
    }

    /** Sets a key (section.key form); an unknown key is an error naming where it came from. */
    void set(String key, String value, String origin) throws ConfigException {
        if (!values.containsKey(key)) {
            throw new ConfigException(origin + ": unknown key \"" + key + "\"");
        }
        values.put(key, value);
        origins.put(key, origin);
    }

    String get(String key) {
        return values.get(key);
    }

    /** Where a key's value came from: "flag", a file, or "default". */
    String origin(String key) {
        return origins.getOrDefault(key, "default");
    }

    int intValue(String key) throws ConfigException {
        long value = longValue(key);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new ConfigException(key + " = \"" + get(key).trim() + "\" is out of range (at most " + Integer.MAX_VALUE + ")");
        }
        return (int) value;
    }

    long longValue(String key) throws ConfigException {
        String v = get(key).trim();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " = \"" + v + "\" is " + (v.matches("-?\\d+")
                    ? "out of range (at most " + Long.MAX_VALUE + ")" : "not a whole number"));
        }
    }

    /** A whole number of at least {@code min}, as CometBFT's ValidateBasic asks of the [p2p] numbers. */
    long atLeast(String key, long min) throws ConfigException {
        long value = longValue(key);
        if (value < min) {
            throw new ConfigException(key + " = " + value + (min == 0 ? " must not be negative" : " must be at least " + min));
        }
        return value;
    }

    boolean boolValue(String key) throws ConfigException {
        String v = get(key).trim();
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new ConfigException(key + " = \"" + v + "\" is not true or false");
    }

    /** {@code p2p.addr_book_strict}: whether the address book refuses non-routable addresses. */
    io.p2p4j.pex.AddrBook.Routability addrBookRoutability() throws ConfigException {
        return boolValue("p2p.addr_book_strict") ? io.p2p4j.pex.AddrBook.Routability.STRICT
                : io.p2p4j.pex.AddrBook.Routability.ANY;
    }

    double doubleValue(String key) throws ConfigException {
        String v = get(key).trim();
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " = \"" + v + "\" is not a number");
        }
    }

    /** Go duration text: "100ms", "3s", "1m0s", "1h"... */
    Duration durationValue(String key) throws ConfigException {
        String v = get(key).trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(v);
        long nanos = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double n = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos += (long) (n * unit);
            end = m.end();
        }
        if (end != v.length() || v.isEmpty()) {
            throw new ConfigException(key + " = \"" + v + "\" is not a duration such as 100ms or 3s");
        }
        return Duration.ofNanos(nanos);
    }

    /** The TOML written by {@code p2p4j init}. */
    String toToml() {
        StringBuilder out = new StringBuilder();
        out.append("# p2p4j node configuration. Keys shared with CometBFT keep its names and meaning.\n\n");
        out.append("moniker = \"").append(get("moniker")).append("\"\n\n");
        out.append("# the network is this file's chain_id, as for CometBFT\n");
        out.append("genesis_file = \"").append(get("genesis_file")).append("\"\n\n");
        out.append("[p2p]\n");
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getKey().startsWith("p2p.")) {
                out.append(e.getKey().substring(4)).append(" = ").append(tomlValue(e.getValue())).append('\n');
            }
        }
        out.append("\n[p2p4j]\n");
        out.append("# the status page, /net_info and /metrics; \"\" turns it off\n");
        out.append("status_laddr = \"").append(get("p2p4j.status_laddr")).append("\"\n");
        out.append("# SO_SNDBUF and SO_RCVBUF of peer sockets; 0 leaves them to the kernel. A cap such as 131072\n");
        out.append("# keeps high-priority messages from queuing behind bulk data, but limits one connection to\n");
        out.append("# about buffer / round-trip time: for LANs and data centres, not long paths\n");
        out.append("socket_buffer_bytes = ").append(get("p2p4j.socket_buffer_bytes")).append("\n");
        out.append("# heap one peer may hold in partly received messages, summed over its channels; a peer that\n");
        out.append("# would take more is disconnected. Never below the largest message one channel accepts, so\n");
        out.append("# that one such message always fits. 4 MiB holds four of CometBFT's 1 MiB consensus,\n");
        out.append("# mempool or evidence messages at once, and 50 peers then cost at most 200 MiB\n");
        out.append("max_reassembly_bytes = ").append(get("p2p4j.max_reassembly_bytes")).append("\n");
        out.append("# pings per second a peer may send on average (bursts of ten seconds' worth) before it is\n");
        out.append("# dropped; CometBFT pings once a minute, so honest peers stay far inside the default\n");
        out.append("max_pings_per_second = ").append(get("p2p4j.max_pings_per_second")).append("\n");
        out.append("# inbound connections accepted and not yet through their handshake, in all and per IP. One more\n");
        out.append("# from an IP is closed at once, before any cryptography; one more in all closes the oldest pending\n");
        out.append("# connection of the IP holding the most. Raise the per-IP cap for several nodes on one host\n");
        out.append("max_pending_handshakes = ").append(get("p2p4j.max_pending_handshakes")).append("\n");
        out.append("max_pending_handshakes_per_ip = ").append(get("p2p4j.max_pending_handshakes_per_ip")).append("\n");
        out.append("# bytes the mailboxes of peers whose reactor waits in a send may read past their own bound, shared\n");
        out.append("# by all peers, so two nodes whose reactors answer each other with blocking sends keep reading\n");
        out.append("# each other's answers; it bounds that extra memory per node. 0 turns the borrowing off\n");
        out.append("mailbox_reserve_bytes = ").append(get("p2p4j.mailbox_reserve_bytes")).append("\n");
        return out.toString();
    }

    private static String tomlValue(String v) {
        return v.matches("-?\\d+|true|false") ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** A configuration problem, said in one line. */
    static final class ConfigException extends Exception {
        private static final long serialVersionUID = 1L;

        ConfigException(String message) {
            super(message);
        }
    }
}
