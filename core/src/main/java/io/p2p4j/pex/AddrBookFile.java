package io.p2p4j.pex;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.internal.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CometBFT's addrbook.json: reading with every entry checked on its own (a bad entry is dropped,
 * the rest load), a size cap, and a corrupt file set aside rather than trusted or overwritten;
 * writing atomically, indented with tabs as Go's encoding/json does. Banned entries are kept too
 * (with no buckets and their ban time), so a ban survives a restart.
 */
final class AddrBookFile {
    private static final Logger log = LoggerFactory.getLogger(AddrBookFile.class);
    /** Larger files are set aside unread: a full book is about 8 MB. */
    static final long MAX_FILE_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    record Loaded(String key, List<KnownAddress> entries) {}

    private AddrBookFile() {}

    /** Loads the file; null if it does not exist or was set aside (the book then starts empty). */
    static Loaded load(Path file, Instant now) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                quarantine(file, "it has " + size + " bytes, over the limit of " + MAX_FILE_BYTES);
                return null;
            }
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                quarantine(file, "it is not a JSON object");
                return null;
            }
            String key = root.path("key").asText("");
            if (!key.matches("[0-9a-f]{24}")) {
                quarantine(file, "its \"key\" is not 24 hex characters");
                return null;
            }
            List<KnownAddress> entries = new ArrayList<>();
            JsonNode addrs = root.path("addrs");
            if (!addrs.isArray() && !addrs.isNull() && !addrs.isMissingNode()) {
                quarantine(file, "its \"addrs\" is not a list");
                return null;
            }
            int index = 0;
            for (JsonNode entry : addrs) {
                try {
                    entries.add(entry(entry));
                } catch (RuntimeException e) {
                    log.warn("address book {}: dropping entry {}: {}", file, index, e.getMessage());
                }
                index++;
            }
            return new Loaded(key, entries);
        } catch (IOException e) {
            quarantine(file, "it cannot be read: " + e.getMessage());
            return null;
        }
    }

    private static KnownAddress entry(JsonNode node) {
        NetAddress addr = address(node.path("addr"), "addr");
        NetAddress src = address(node.path("src"), "src");
        KnownAddress ka = new KnownAddress(addr, src);
        int type = node.path("bucket_type").asInt(-1);
        if (type != KnownAddress.NEW && type != KnownAddress.OLD) {
            throw new IllegalArgumentException("bucket_type " + node.path("bucket_type") + " is neither 1 nor 2");
        }
        ka.bucketType = type;
        int limit = type == KnownAddress.NEW ? AddrBook.NEW_BUCKETS : AddrBook.OLD_BUCKETS;
        for (JsonNode bucket : node.path("buckets")) {
            if (!bucket.canConvertToInt() || bucket.asInt() < 0 || bucket.asInt() >= limit) {
                throw new IllegalArgumentException("bucket index " + bucket + " out of range");
            }
            if (!ka.buckets.contains(bucket.asInt())) {
                ka.buckets.add(bucket.asInt());
            }
        }
        if (ka.buckets.size() > (type == KnownAddress.NEW ? AddrBook.MAX_NEW_BUCKETS_PER_ADDRESS : 1)) {
            throw new IllegalArgumentException("in " + ka.buckets.size() + " buckets");
        }
        ka.attempts = Math.max(0, node.path("attempts").asInt(0));
        ka.lastAttempt = time(node.path("last_attempt"));
        ka.lastSuccess = time(node.path("last_success"));
        ka.bannedUntil = time(node.path("last_ban_time"));
        return ka;
    }

    private static NetAddress address(JsonNode node, String what) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("no \"" + what + "\"");
        }
        NodeId id = NodeId.parse(node.path("id").asText(""));
        String ip = node.path("ip").asText("");
        NetAddress address = new NetAddress(id, ip, node.path("port").asInt(-1));
        if (address.ip() == null) {
            throw new IllegalArgumentException(what + " ip \"" + ip + "\" is not an IP address");
        }
        return address;
    }

    private static Instant time(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return KnownAddress.ZERO;
        }
        try {
            return OffsetDateTime.parse(node.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("time \"" + node.asText() + "\" is not RFC 3339");
        }
    }

    private static void quarantine(Path file, String reason) {
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + stamp);
        for (int n = 1; Files.exists(aside); n++) {
            aside = file.resolveSibling(file.getFileName() + ".corrupt-" + stamp + "-" + n);
        }
        try {
            Files.move(file, aside);
            log.warn("address book {} set aside as {} because {}; starting with an empty book", file,
                    aside.getFileName(), reason);
        } catch (IOException e) {
            log.warn("address book {} is unusable ({}) and could not be set aside: {}; starting with an empty book",
                    file, reason, e.getMessage());
        }
    }

    /** Writes the entries atomically (see {@link AtomicFile}). */
    static void save(Path file, String key, List<KnownAddress> entries, Runnable afterTemporaryWrite) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("key", key);
        ArrayNode addrs = root.putArray("addrs");
        for (KnownAddress ka : entries) {
            ObjectNode e = addrs.addObject();
            putAddress(e.putObject("addr"), ka.addr);
            putAddress(e.putObject("src"), ka.src);
            ArrayNode buckets = e.putArray("buckets");
            ka.buckets.forEach(buckets::add);
            e.put("attempts", ka.attempts);
            e.put("bucket_type", ka.bucketType);
            e.put("last_attempt", TIME.format(ka.lastAttempt));
            e.put("last_success", TIME.format(ka.lastSuccess));
            e.put("last_ban_time", TIME.format(ka.bannedUntil));
        }
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("\t", "\n"))
                .withArrayIndenter(new DefaultIndenter("\t", "\n"))
                .withSeparators(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        byte[] bytes = JSON.writer(printer).writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, bytes, false, afterTemporaryWrite);
    }

    private static void putAddress(ObjectNode node, NetAddress address) {
        node.put("id", address.id().hex());
        node.put("ip", address.host());
        node.put("port", address.port());
    }
}
