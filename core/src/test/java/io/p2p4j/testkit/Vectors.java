package io.p2p4j.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads the golden vector files kept under {@code src/test/resources/vectors}. */
public final class Vectors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Vectors() {}

    /** Parses {@code vectors/<name>} from the test class path. */
    public static JsonNode json(String name) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test vector file vectors/" + name);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry of a vector list whose "name" field starts with {@code prefix}. */
    public static JsonNode named(JsonNode list, String prefix) {
        for (JsonNode entry : list) {
            if (entry.path("name").asText().startsWith(prefix)) {
                return entry;
            }
        }
        throw new IllegalArgumentException("no vector named " + prefix);
    }
}
