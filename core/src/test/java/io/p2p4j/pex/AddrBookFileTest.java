package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * addrbook.json alone: what is saved loads back field for field, and a file that cannot be
 * trusted is set aside with every byte kept and the reason in the log, never read in part or
 * overwritten.
 */
class AddrBookFileTest {
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");
    private static final String KEY = "0123456789abcdef01234567";

    @TempDir
    Path dir;

    private static KnownAddress known(String ip, int type, List<Integer> buckets, int attempts) {
        NetAddress addr = new NetAddress(NodeKey.generate().id(), ip, 26656);
        NetAddress src = new NetAddress(NodeKey.generate().id(), "8.8.8.8", 26656);
        KnownAddress ka = new KnownAddress(addr, src);
        ka.bucketType = type;
        ka.buckets.addAll(buckets);
        ka.attempts = attempts;
        ka.lastAttempt = NOW.minusSeconds(60);
        ka.lastSuccess = NOW.minusSeconds(3_600);
        return ka;
    }

    /** Everything the file keeps of an entry. */
    private static List<Object> fields(KnownAddress ka) {
        return List.of(ka.addr, ka.src, ka.bucketType, List.copyOf(ka.buckets), ka.attempts, ka.lastAttempt,
                ka.lastSuccess, ka.bannedUntil);
    }

    /** Runs {@code load} and returns what it wrote to the log (slf4j-simple writes to System.err). */
    private static <T> String logOf(Supplier<T> load, T[] result) {
        PrintStream before = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            result[0] = load.get();
        } finally {
            System.setErr(before);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private List<Path> setAside() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("addrbook.json.corrupt-")).sorted().toList();
        }
    }

    @Test
    void whatIsSavedLoadsBackFieldForFieldIncludingBansAndIPv6() throws IOException {
        Path file = dir.resolve("addrbook.json");
        KnownAddress fresh = known("1.2.3.4", KnownAddress.NEW, List.of(3, 17), 2);
        KnownAddress vetted = known("2a01:4f8::1", KnownAddress.OLD, List.of(5), 0);
        KnownAddress banned = known("9.9.9.9", KnownAddress.NEW, List.of(), 7);
        banned.bannedUntil = NOW.plusSeconds(86_400);
        List<KnownAddress> saved = List.of(fresh, vetted, banned);
        AddrBookFile.save(file, KEY, saved, () -> {});

        AddrBookFile.Loaded loaded = AddrBookFile.load(file, NOW);
        assertThat(loaded.key()).isEqualTo(KEY);
        assertThat(loaded.entries().stream().map(AddrBookFileTest::fields))
                .containsExactlyElementsOf(saved.stream().map(AddrBookFileTest::fields).toList());
        assertThat(setAside()).isEmpty();
    }

    @Test
    void aMissingFileIsAnEmptyBookAndNothingIsCreated() throws IOException {
        assertThat(AddrBookFile.load(dir.resolve("addrbook.json"), NOW)).isNull();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "truncated JSON|{\"key\":\"0123456789abcdef01234567\",\"addrs\":[{\"addr\":{\"id\":",
        "not a JSON object|[1,2,3]",
        "a key that is not 24 hex characters|{\"key\":\"0123\",\"addrs\":[]}",
        "addrs that are not a list|{\"key\":\"0123456789abcdef01234567\",\"addrs\":{\"a\":1}}",
        "an empty file|",
        "binary garbage|\u0000\u00ff\u0001PK\u0003\u0004"})
    void aFileThatCannotBeTrustedIsSetAsideWithEveryByteKeptAndTheReasonLogged(String testCase) throws IOException {
        String content = testCase.substring(testCase.indexOf('|') + 1);
        Path file = dir.resolve("addrbook.json");
        byte[] original = content.getBytes(StandardCharsets.UTF_8);
        Files.write(file, original);

        AddrBookFile.Loaded[] loaded = new AddrBookFile.Loaded[1];
        String log = logOf(() -> AddrBookFile.load(file, NOW), loaded);

        assertThat(loaded[0]).as("the book starts empty").isNull();
        assertThat(file).doesNotExist();
        List<Path> aside = setAside();
        assertThat(aside).hasSize(1);
        assertThat(Files.readAllBytes(aside.get(0))).as("every byte kept").isEqualTo(original);
        assertThat(log).contains("address book " + file, "set aside as " + aside.get(0).getFileName(),
                "starting with an empty book");
    }

    @Test
    void aSecondBadFileNeverOverwritesTheOneSetAsideBefore() throws IOException {
        Path file = dir.resolve("addrbook.json");
        for (int i = 0; i < 3; i++) {
            Files.writeString(file, "{ broken " + i);
            assertThat(AddrBookFile.load(file, NOW)).isNull();
        }
        List<String> kept = setAside().stream().map(p -> {
            try {
                return Files.readString(p);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).toList();
        assertThat(kept).containsExactlyInAnyOrder("{ broken 0", "{ broken 1", "{ broken 2");
    }

    @Test
    void aHostileEntryIsDroppedAloneNamingWhatIsWrongAndTheRestLoad() throws IOException {
        Path file = dir.resolve("addrbook.json");
        KnownAddress good = known("1.2.3.4", KnownAddress.NEW, List.of(3), 0);
        AddrBookFile.save(file, KEY, List.of(good), () -> {});
        String json = Files.readString(file);
        String hostile = "{\"addr\":{\"id\":\"" + NodeKey.generate().id().hex() + "\",\"ip\":\"1.2.3.5\",\"port\":26656},"
                + "\"src\":{\"id\":\"" + NodeKey.generate().id().hex() + "\",\"ip\":\"1.2.3.5\",\"port\":26656},"
                + "\"buckets\":[100000],\"bucket_type\":1}";
        Files.writeString(file, json.replaceFirst("\"addrs\": \\[", "\"addrs\": [" + hostile + ","));

        AddrBookFile.Loaded[] loaded = new AddrBookFile.Loaded[1];
        String log = logOf(() -> AddrBookFile.load(file, NOW), loaded);

        assertThat(loaded[0].entries()).singleElement().extracting(ka -> ka.addr).isEqualTo(good.addr);
        assertThat(log).contains("dropping entry 0: bucket index 100000 out of range");
        assertThat(setAside()).as("the file itself is sound").isEmpty();
        assertThat(file).exists();
    }
}
