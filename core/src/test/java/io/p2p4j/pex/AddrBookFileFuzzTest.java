package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: {@link AddrBook#open} on an addrbook.json of any content. Opening never throws:
 * a file that is not a book is set aside (renamed, never lost) and the book starts empty, a bad
 * entry is dropped on its own. Whatever loads keeps the book's invariants (no bucket over 64, an
 * address in 1 to 4 new buckets or exactly 1 old one, counts that match) and its capacity, and a
 * book saved and opened again holds the same entries.
 */
class AddrBookFileFuzzTest {
    /** Most entries a book can hold in its buckets: 256 new and 64 old buckets of 64. */
    private static final int CAPACITY = (AddrBook.NEW_BUCKETS + AddrBook.OLD_BUCKETS) * AddrBook.BUCKET_SIZE;
    /** A fixed clock, so that which bans are still running does not depend on the day of the run. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    private static final Path DIR = createDirectory();

    private static Path createDirectory() {
        try {
            return Files.createTempDirectory("addrbook-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void removeDirectory() throws IOException {
        emptyDirectory();
        Files.deleteIfExists(DIR);
    }

    @FuzzTest
    @Timeout(10)
    void open(byte[] content) throws IOException {
        Path file = DIR.resolve("addrbook.json");
        try {
            Files.write(file, content);
            AddrBook book = AddrBook.open(file, AddrBook.Routability.ANY, CLOCK);
            boolean setAside = !Files.exists(file);
            if (setAside) {
                assertThat(corruptCopies()).as("a refused file is kept aside").hasSize(1);
                assertThat(book.size()).isZero();
            }
            assertThat(book.checkInvariants()).isEmpty();
            assertThat(book.size()).isLessThanOrEqualTo(CAPACITY);
            AddrBook.Counts counts = book.counts();
            assertThat(counts.newAddresses() + counts.oldAddresses()).isEqualTo(book.size());

            book.save();
            AddrBook again = AddrBook.open(file, AddrBook.Routability.ANY, CLOCK);
            assertThat(corruptCopies()).as("a saved book is never refused").hasSize(setAside ? 1 : 0);
            assertThat(entries(again)).isEqualTo(entries(book));
            assertThat(again.counts()).isEqualTo(counts);
        } finally {
            emptyDirectory();
        }
    }

    /** An entry as a comparable value (bucket order aside). */
    private record Entry(String addr, String src, int type, Set<Integer> buckets, int attempts,
            Instant lastAttempt, Instant lastSuccess, Instant bannedUntil) {}

    private static Set<Entry> entries(AddrBook book) {
        Set<Entry> entries = new HashSet<>();
        for (KnownAddress ka : book.snapshot()) {
            entries.add(new Entry(ka.addr.toString(), ka.src.toString(), ka.bucketType, Set.copyOf(ka.buckets),
                    ka.attempts, ka.lastAttempt, ka.lastSuccess, ka.bannedUntil));
        }
        return entries;
    }

    private static List<Path> corruptCopies() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(p -> p.getFileName().toString().startsWith("addrbook.json.corrupt-")).toList();
        }
    }

    private static void emptyDirectory() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
    }
}
