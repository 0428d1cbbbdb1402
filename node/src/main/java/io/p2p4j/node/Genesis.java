package io.p2p4j.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p2p4j.node.NodeConfig.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What p2p4j takes from a home's genesis.json: the chain id, which is the network CometBFT
 * nodes announce and check in the handshake. p2p4j runs no consensus, so the rest of the file
 * (validators, consensus parameters, app state) is left to CometBFT.
 *
 * @param chainId the network; CometBFT's rules hold: not empty, at most {@value #MAX_CHAIN_ID_LENGTH} characters
 */
record Genesis(String chainId) {
    /** CometBFT's {@code types.MaxChainIDLen}. */
    static final int MAX_CHAIN_ID_LENGTH = 50;

    private static final ObjectMapper JSON = new ObjectMapper();

    Genesis {
        checkChainId(chainId, "chain_id");
    }

    /** Refuses a chain id CometBFT would refuse, in one line naming where it came from. */
    static void checkChainId(String chainId, String origin) {
        if (chainId == null || chainId.isBlank()) {
            throw new IllegalArgumentException(origin + " is empty: a node needs the network it joins");
        }
        if (chainId.length() > MAX_CHAIN_ID_LENGTH) {
            throw new IllegalArgumentException(origin + " \"" + chainId + "\" is longer than " + MAX_CHAIN_ID_LENGTH
                    + " characters (CometBFT's limit)");
        }
    }

    /** Reads the chain id of a genesis file, CometBFT's or p2p4j's. @throws ConfigException naming the file */
    static Genesis read(Path file) throws ConfigException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode chainId = root == null ? null : root.get("chain_id");
        if (chainId == null || !chainId.isTextual()) {
            throw new ConfigException(file + ": no \"chain_id\" string");
        }
        try {
            return new Genesis(chainId.asText());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /**
     * Writes a genesis file for a new home, in CometBFT's layout with the fields p2p4j can fill
     * (no validators: a CometBFT node of this network brings its own genesis).
     */
    void write(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("genesis_time", Instant.now().toString());
        root.put("chain_id", chainId);
        root.put("initial_height", "1");
        root.putArray("validators");
        root.put("app_hash", "");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }
}
