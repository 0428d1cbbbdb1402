package io.p2p4j.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.p2p4j.internal.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A node's long-term Ed25519 key, the source of its {@link NodeId}. Files use CometBFT's
 * {@code node_key.json} layout, so an existing CometBFT home can be used as it is:
 * {@code {"priv_key":{"type":"tendermint/PrivKeyEd25519","value":"<base64 of seed || public key>"}}}.
 * Immutable and thread-safe.
 */
public final class NodeKey implements Ed25519Signer {
    static final String KEY_TYPE = "tendermint/PrivKeyEd25519";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] seed;
    private final byte[] publicKey;
    private final NodeId id;

    private NodeKey(byte[] seed) {
        this.seed = seed.clone();
        this.publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(this.seed, 0, publicKey, 0);
        this.id = NodeId.fromPublicKey(publicKey);
    }

    /** A new random key. */
    public static NodeKey generate() {
        byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
        RANDOM.nextBytes(seed);
        return new NodeKey(seed);
    }

    /** The key with this 32-byte Ed25519 seed (RFC 8032 private key). */
    public static NodeKey fromSeed(byte[] seed) {
        if (seed.length != Ed25519.SECRET_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 seed has 32 bytes, got " + seed.length);
        }
        return new NodeKey(seed);
    }

    /**
     * Reads the key from a node_key.json file, or, if the file does not exist, makes a new key
     * and writes it there (atomically, readable by the owner only where the file system allows).
     *
     * @throws NodeKeyException naming the file and the problem if it exists but cannot be read or
     *         is malformed (never silently replaced), or if a new one cannot be written
     */
    public static NodeKey loadOrGenerate(Path file) throws NodeKeyException {
        if (Files.exists(file)) {
            return load(file);
        }
        NodeKey key = generate();
        key.save(file);
        return key;
    }

    /** Reads a node_key.json file. @throws NodeKeyException naming the file and the problem */
    public static NodeKey load(Path file) throws NodeKeyException {
        byte[] bytes;
        try {
            if (Files.size(file) > 64 * 1024) {
                throw new NodeKeyException(file, "too large for a node key (" + Files.size(file) + " bytes)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NodeKeyException(file, "does not exist", e);
        } catch (NodeKeyException e) {
            throw e;
        } catch (IOException e) {
            throw new NodeKeyException(file, "cannot be read: " + e.getMessage(), e);
        }
        return parse(file, bytes);
    }

    static NodeKey parse(Path file, byte[] bytes) throws NodeKeyException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new NodeKeyException(file, "is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        JsonNode privKey = root == null ? null : root.get("priv_key");
        if (privKey == null || !privKey.isObject()) {
            throw new NodeKeyException(file, "has no \"priv_key\" object");
        }
        String type = privKey.path("type").asText(null);
        if (!KEY_TYPE.equals(type)) {
            throw new NodeKeyException(file, "key type is " + (type == null ? "missing" : "\"" + type + "\"")
                    + ", expected \"" + KEY_TYPE + "\"");
        }
        JsonNode value = privKey.get("value");
        if (value == null || !value.isTextual()) {
            throw new NodeKeyException(file, "has no \"priv_key.value\" string");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw new NodeKeyException(file, "\"priv_key.value\" is not base64: " + e.getMessage(), e);
        }
        if (raw.length != 64) {
            throw new NodeKeyException(file, "\"priv_key.value\" holds " + raw.length
                    + " bytes, expected 64 (seed and public key)");
        }
        NodeKey key = new NodeKey(Arrays.copyOf(raw, 32));
        if (!Arrays.equals(key.publicKey, Arrays.copyOfRange(raw, 32, 64))) {
            throw new NodeKeyException(file, "the public key in \"priv_key.value\" does not match its seed");
        }
        return key;
    }

    /**
     * Writes this key to {@code file} in CometBFT's layout, atomically (a temporary file in the
     * same folder, synced, then renamed), readable by the owner only where POSIX permissions exist.
     */
    public void save(Path file) throws NodeKeyException {
        try {
            AtomicFile.write(file, toJson().getBytes(StandardCharsets.UTF_8), true, () -> { });
        } catch (IOException e) {
            throw new NodeKeyException(file, "cannot be written: " + e.getMessage(), e);
        }
    }

    /** The file content CometBFT writes for this key: compact JSON, no trailing newline. */
    public String toJson() {
        byte[] raw = new byte[64];
        System.arraycopy(seed, 0, raw, 0, 32);
        System.arraycopy(publicKey, 0, raw, 32, 32);
        return "{\"priv_key\":{\"type\":\"" + KEY_TYPE + "\",\"value\":\"" + Base64.getEncoder().encodeToString(raw) + "\"}}";
    }

    /** This node's id. */
    public NodeId id() {
        return id;
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    @Override
    public byte[] sign(byte[] message) {
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        // with the public key given, BC does not derive it again (a second base-point multiplication)
        Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, signature, 0);
        return signature;
    }

    @Override
    public String toString() {
        return "NodeKey{" + id + "}";
    }
}
