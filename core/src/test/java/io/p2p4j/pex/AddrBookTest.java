package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.testkit.Vectors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The address book: CometBFT's rules and file, and what a hostile file does to it (scenario 41). */
class AddrBookTest {
    @TempDir
    Path dir;

    static NetAddress address(String ip, int port) {
        return new NetAddress(NodeKey.generate().id(), ip, port);
    }

    /** A movable clock for tests. */
    static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-11-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void groupsFollowCometBft() {
        JsonNode vectors = Vectors.json("addrbook-vectors.json");
        for (JsonNode c : vectors.get("group_key_cases")) {
            NetAddress a = new NetAddress(new NodeId("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"), c.get("ip").asText(), 26656);
            boolean strict = c.get("strict").asBoolean();
            // p2p4j counts documentation ranges as unroutable, CometBFT does not (docs/protocol-notes.md)
            String expected = strict && a.host().startsWith("203.0.113.") ? "unroutable" : c.get("group").asText();
            assertThat(AddressGroups.group(a, strict)).as(c.get("ip").asText()).isEqualTo(expected);
        }
        for (JsonNode c : vectors.get("get_selection_size_cases")) {
            assertThat(AddrBook.selectionSize(c.get("book_size").asInt())).isEqualTo(c.get("num_addresses").asInt());
        }
    }

    @Test
    void cometBftsExampleFileLoadsWithTheSameEntries() throws IOException {
        Path file = dir.resolve("addrbook.json");
        try (InputStream in = getClass().getResourceAsStream("/vectors/addrbook-example.json")) {
            Files.write(file, in.readAllBytes());
        }
        AddrBook book = AddrBook.open(file, AddrBook.Routability.STRICT);
        assertThat(book.size()).isEqualTo(2);
        assertThat(book.counts()).isEqualTo(new AddrBook.Counts(1, 1));
        List<KnownAddress> entries = book.snapshot();
        KnownAddress fresh = entries.stream().filter(k -> !k.isOld()).findFirst().orElseThrow();
        assertThat(fresh.buckets).containsExactly(17, 203);
        assertThat(fresh.attempts).isEqualTo(2);
        assertThat(fresh.lastAttempt).isEqualTo(Instant.parse("2026-08-01T10:15:30.123456789Z"));
        KnownAddress old = entries.stream().filter(KnownAddress::isOld).findFirst().orElseThrow();
        assertThat(old.buckets).containsExactly(42);
        assertThat(old.lastSuccess).isEqualTo(Instant.parse("2026-08-01T08:20:00Z"));
        assertThat(book.checkInvariants()).isEmpty();
    }

    @Test
    void saveAndReloadKeepEveryField() throws IOException {
        Path file = dir.resolve("addrbook.json");
        TestClock clock = new TestClock();
        AddrBook book = AddrBook.open(file, AddrBook.Routability.STRICT, clock);
        NetAddress source = address("8.8.8.8", 26656);
        NetAddress a = address("1.2.3.4", 26656);
        NetAddress b = address("2a01:4f8::1", 26657);
        NetAddress bad = address("9.9.9.9", 1);
        assertThat(book.addAddress(a, source)).isTrue();
        assertThat(book.addAddress(b, source)).isTrue();
        assertThat(book.addAddress(bad, source)).isTrue();
        book.markAttempt(a);
        clock.now = clock.now.plusSeconds(5);
        book.markGood(b.id());
        book.markBad(bad, Duration.ofHours(24));
        book.save();
        String text = Files.readString(file);
        assertThat(text).startsWith("{\n\t\"key\": \"").contains("\"bucket_type\": 2");

        AddrBook reloaded = AddrBook.open(file, AddrBook.Routability.STRICT, clock);
        assertThat(reloaded.size()).isEqualTo(2);
        assertThat(reloaded.counts()).isEqualTo(new AddrBook.Counts(1, 1));
        assertThat(reloaded.isBanned(bad.id())).isTrue();
        for (KnownAddress before : book.snapshot()) {
            KnownAddress after = reloaded.snapshot().stream().filter(k -> k.addr.equals(before.addr)).findFirst().orElseThrow();
            assertThat(after.src).isEqualTo(before.src);
            assertThat(after.buckets).isEqualTo(before.buckets);
            assertThat(after.bucketType).isEqualTo(before.bucketType);
            assertThat(after.attempts).isEqualTo(before.attempts);
            assertThat(after.lastAttempt).isEqualTo(before.lastAttempt);
            assertThat(after.lastSuccess).isEqualTo(before.lastSuccess);
            assertThat(after.bannedUntil).isEqualTo(before.bannedUntil);
        }
        clock.now = clock.now.plus(Duration.ofHours(25));
        assertThat(reloaded.isBanned(bad.id())).isFalse();
        assertThat(reloaded.addAddress(bad, source)).as("re-added once the ban is over").isTrue();
        // the saved key keeps placement: an address heard again after a restart lands where it would have
        NetAddress later = address("5.6.7.8", 26656);
        assertThat(reloaded.newBucketIndex(later, source)).isEqualTo(book.newBucketIndex(later, source));
        assertThat(reloaded.oldBucketIndex(later)).isEqualTo(book.oldBucketIndex(later));
    }

    @Test
    void aCrashDuringSaveLeavesTheOldBook() throws IOException {
        Path file = dir.resolve("addrbook.json");
        AddrBook book = AddrBook.open(file, AddrBook.Routability.STRICT);
        book.addAddress(address("1.2.3.4", 26656), address("8.8.8.8", 26656));
        book.save();
        String before = Files.readString(file);
        book.addAddress(address("5.6.7.8", 26656), address("8.8.8.8", 26656));
        book.afterTemporaryWrite = () -> {
            throw new IllegalStateException("crash after the temporary write");
        };
        try {
            book.save();
        } catch (IllegalStateException expected) {
            // the simulated crash
        }
        assertThat(Files.readString(file)).isEqualTo(before);
        assertThat(AddrBook.open(file, AddrBook.Routability.STRICT).size()).isEqualTo(1);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("addrbook.json");
        }
    }

    private AddrBook openWith(String content) throws IOException {
        Path file = dir.resolve("addrbook.json");
        Files.writeString(file, content);
        return AddrBook.open(file, AddrBook.Routability.ANY);
    }

    private long corruptFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("addrbook.json.corrupt-")).count();
        }
    }

    private static String entry(String id, String ip, String buckets, int type, String lastAttempt) {
        return "{\"addr\":{\"id\":\"" + id + "\",\"ip\":\"" + ip + "\",\"port\":26656},\"src\":{\"id\":\"" + id
                + "\",\"ip\":\"" + ip + "\",\"port\":26656},\"buckets\":" + buckets + ",\"attempts\":0,\"bucket_type\":"
                + type + ",\"last_attempt\":\"" + lastAttempt + "\",\"last_success\":\"0001-01-01T00:00:00Z\","
                + "\"last_ban_time\":\"0001-01-01T00:00:00Z\"}";
    }

    @Test
    void scenario41_hostileOrCorruptFiles() throws IOException {
        String good = entry(NodeKey.generate().id().hex(), "1.2.3.4", "[3]", 1, "2026-01-01T00:00:00Z");
        String key = "\"key\":\"0123456789abcdef01234567\"";
        // truncated JSON: set aside, empty book
        assertThat(openWith("{" + key + ",\"addrs\":[" + good).size()).isZero();
        assertThat(corruptFiles()).isEqualTo(1);
        // a key of the wrong length: set aside
        assertThat(openWith("{\"key\":\"abc\",\"addrs\":[" + good + "]}").size()).isZero();
        assertThat(corruptFiles()).isEqualTo(2);
        // bad entries inside a valid file are dropped one by one, the rest load
        String dupId = NodeKey.generate().id().hex();
        AddrBook book = openWith("{" + key + ",\"addrs\":[" + String.join(",", List.of(
                good,
                entry(NodeKey.generate().id().hex(), "1.2.3.5", "[9999]", 1, "2026-01-01T00:00:00Z"),
                entry(NodeKey.generate().id().hex(), "1.2.3.6", "[4]", 7, "2026-01-01T00:00:00Z"),
                entry(dupId, "1.2.3.7", "[5]", 1, "2026-01-01T00:00:00Z"),
                entry(dupId, "1.2.3.8", "[6]", 1, "2026-01-01T00:00:00Z"),
                entry("not-an-id", "1.2.3.9", "[7]", 1, "2026-01-01T00:00:00Z"),
                entry(NodeKey.generate().id().hex(), "1.2.3.300", "[8]", 1, "2026-01-01T00:00:00Z"),
                entry(NodeKey.generate().id().hex(), "1.2.4.1", "[9]", 1, "0000-01-01T00:00:00Z"),
                entry(NodeKey.generate().id().hex(), "1.2.4.2", "[10]", 1, "9999-12-31T23:59:59Z"),
                entry(NodeKey.generate().id().hex(), "1.2.4.3", "[11]", 1, "yesterday"))) + "]}");
        assertThat(book.size()).isEqualTo(4); // good, the first duplicate, year 0, year 9999
        assertThat(book.checkInvariants()).isEmpty();
        assertThat(corruptFiles()).isEqualTo(2);
        // a file over the size cap is set aside without being read
        Path file = dir.resolve("addrbook.json");
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {'{'}), AddrBookFile.MAX_FILE_BYTES + 10);
        }
        assertThat(AddrBook.open(file, AddrBook.Routability.ANY).size()).isZero();
        assertThat(corruptFiles()).isEqualTo(3);
        assertThat(Files.exists(file)).isFalse();
    }

    @Test
    void scenario41_aHugeFileUnderTheSizeCapLoadsOnlyWhatTheBookCanHold() throws IOException {
        // 50,000 entries that all claim new bucket 3 and 10,000 bans: about 20 MB, under the cap
        StringBuilder json = new StringBuilder("{\"key\":\"0123456789abcdef01234567\",\"addrs\":[");
        for (int i = 0; i < 60_000; i++) {
            String id = String.format("%040x", 1_000_000L + i);
            String ip = "1." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff);
            String entry = entry(id, ip, i < 50_000 ? "[3]" : "[]", 1, "2026-01-01T00:00:00Z");
            if (i >= 50_000) {
                entry = entry.replace("\"last_ban_time\":\"0001-01-01T00:00:00Z\"", "\"last_ban_time\":\"9999-01-01T00:00:00Z\"");
            }
            json.append(i == 0 ? "" : ",").append(entry);
        }
        json.append("]}");
        assertThat((long) json.length()).isLessThan(AddrBookFile.MAX_FILE_BYTES);
        AddrBook book = openWith(json.toString());
        assertThat(book.size()).isEqualTo(AddrBook.BUCKET_SIZE); // bucket 3 is full at 64, the rest dropped
        assertThat(book.snapshot()).hasSizeLessThanOrEqualTo(AddrBook.BUCKET_SIZE + AddrBook.MAX_BANNED);
        assertThat(book.checkInvariants()).isEmpty();
        assertThat(corruptFiles()).isZero();
    }

    @Test
    void bansAreBoundedKeepingTheLongest() {
        TestClock clock = new TestClock();
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT, clock);
        NetAddress longest = address("1.2.3.4", 26656);
        book.markBad(longest, Duration.ofDays(30));
        for (int i = 0; i < AddrBook.MAX_BANNED + 100; i++) {
            book.markBad(address("5.6." + (i / 250) + "." + (1 + i % 250), 26656), Duration.ofMinutes(1 + i));
        }
        assertThat(book.snapshot()).hasSizeLessThanOrEqualTo(AddrBook.MAX_BANNED);
        assertThat(book.isBanned(longest.id())).isTrue();
    }

    @Test
    void scenario39_unusableAddressesAreNeverAddedInStrictMode() {
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT);
        NetAddress source = address("8.8.8.8", 26656);
        for (String ip : List.of("10.1.2.3", "172.16.5.4", "192.168.1.1", "127.0.0.1", "0.0.0.0", "::1", "fe80::1",
                "169.254.1.1", "255.255.255.255", "example.com")) {
            assertThat(book.addAddress(address(ip, 26656), source)).as(ip).isFalse();
        }
        assertThat(book.addAddress(address("1.2.3.4", 0), source)).isFalse();
        NetAddress ours = address("1.2.3.5", 26656);
        book.addOurAddress(ours);
        assertThat(book.addAddress(ours, source)).isFalse();
        NetAddress banned = address("1.2.3.6", 26656);
        book.markBad(banned, Duration.ofHours(1));
        assertThat(book.addAddress(banned, source)).isFalse();
        NetAddress secret = address("1.2.3.7", 26656);
        book.addPrivateIds(Set.of(secret.id()));
        assertThat(book.addAddress(secret, source)).isFalse();
        assertThat(book.size()).isZero();
        assertThat(book.addAddress(address("1.2.3.8", 26656), source)).isTrue();
    }

    /** The distinct new buckets the entries with these ids are in. */
    static Set<Integer> bucketsOf(AddrBook book, Set<NodeId> ids) {
        Set<Integer> buckets = new HashSet<>();
        for (KnownAddress ka : book.snapshot()) {
            if (ids.contains(ka.addr.id()) && !ka.isOld()) {
                buckets.addAll(ka.buckets);
            }
        }
        return buckets;
    }

    @Test
    void oneAddressGroupFillsAtMostAnEighthOfTheNewTableHoweverManySourcesAnnounceIt() {
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT);
        Set<NodeId> ids = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            // one /24, 1,000 sources each in its own /16
            NetAddress a = address("5.6.7." + (1 + i % 254), 1000 + i / 254);
            NetAddress source = address((11 + i % 1000 / 250) + "." + (i % 250) + ".1.1", 26656);
            ids.add(a.id());
            book.addAddress(a, source);
        }
        Set<Integer> buckets = bucketsOf(book, ids);
        System.out.printf("20,000 addresses of one /24 from 1,000 source groups: %d entries in %d new buckets%n",
                book.size(), buckets.size());
        assertThat(book.size()).isLessThanOrEqualTo(AddrBook.NEW_BUCKETS * AddrBook.BUCKET_SIZE / 8);
        assertThat(buckets).hasSizeLessThanOrEqualTo(AddrBook.NEW_BUCKETS_PER_GROUP);
        assertThat(book.checkInvariants()).isEmpty();
        // the other address groups still have the rest of the table
        int elsewhere = 0;
        for (int i = 0; i < 200; i++) {
            NetAddress other = address((30 + i % 60) + "." + i + ".2.3", 26656);
            NetAddress source = address("8." + i + ".8.8", 26656);
            if (!buckets.contains(book.newBucketIndex(other, source))) {
                assertThat(book.addAddress(other, source)).as("%s from %s", other, source).isTrue();
                elsewhere++;
            }
        }
        assertThat(elsewhere).isGreaterThan(100);
    }

    @Test
    void gossipNeverMovesAKnownIdToAnotherIpNorEvictsAnEntryNotYetFoundBad() {
        TestClock clock = new TestClock();
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT, clock);
        java.util.Map<NodeId, NetAddress> honest = new java.util.HashMap<>();
        for (int i = 0; i < 400; i++) {
            NetAddress a = address((20 + i % 100) + "." + (i / 100) + ".3.4", 26656);
            assertThat(book.addAddress(a, address((120 + i % 50) + ".1.1.1", 26656))).isTrue();
            honest.put(a.id(), a);
        }
        List<NodeId> vetted = honest.keySet().stream().limit(40).toList();
        vetted.forEach(book::markGood);
        NetAddress attacker = address("66.66.1.1", 26656);
        int flooded = 0;
        for (int round = 0; round < 4; round++) {
            int k = 0;
            for (NodeId id : honest.keySet()) {
                // the honest id again, now at an attacker's address in a /16 of its choice
                book.addAddress(new NetAddress(id, "67." + (k++ % 200) + ".9." + (1 + round), 26656), attacker);
            }
            for (int i = 0; i < 5_000 && round < 3; i++, flooded++) { // then a flood to push entries out
                book.addAddress(address("68." + (flooded % 250) + "." + (flooded / 250 % 250) + ".1", 26656), attacker);
            }
        }
        long moved = book.snapshot().stream().filter(ka -> honest.containsKey(ka.addr.id()))
                .filter(ka -> !ka.addr.equals(honest.get(ka.addr.id()))).count();
        long kept = book.snapshot().stream().filter(ka -> honest.containsKey(ka.addr.id())).count();
        System.out.printf("after 15,000 attacker additions: %d of %d honest ids kept, %d moved to another IP%n",
                kept, honest.size(), moved);
        assertThat(moved).as("honest ids pointing at another IP").isZero();
        assertThat(kept).as("honest entries left").isEqualTo(honest.size());
        assertThat(book.snapshot()).filteredOn(ka -> vetted.contains(ka.addr.id())).hasSize(vetted.size())
                .allMatch(KnownAddress::isOld);
        assertThat(book.checkInvariants()).isEmpty();
    }

    @Test
    void anEvictedIdComesBackOnlyUnderItsOwnAddress() {
        TestClock clock = new TestClock();
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT, clock);
        NetAddress source = address("9.9.9.9", 26656);
        // 65 addresses of one /16 from one source share one bucket; the first is tried and fails
        List<NetAddress> crowd = new java.util.ArrayList<>();
        for (int i = 0; i < AddrBook.BUCKET_SIZE; i++) {
            crowd.add(address("44.4." + i + ".1", 26656));
            assertThat(book.addAddress(crowd.get(i), source)).isTrue();
        }
        assertThat(bucketsOf(book, crowd.stream().map(NetAddress::id).collect(java.util.stream.Collectors.toSet()))).hasSize(1);
        NetAddress newcomer = address("44.4.200.1", 26656);
        assertThat(book.addAddress(newcomer, source)).as("a full bucket of untried entries keeps them").isFalse();
        NetAddress failing = crowd.get(0);
        for (int i = 0; i < 3; i++) {
            book.markAttempt(failing);
        }
        clock.now = clock.now.plus(Duration.ofMinutes(2));
        assertThat(book.addAddress(newcomer, source)).as("it takes the place of the failing entry").isTrue();
        assertThat(book.hasAddress(failing.id())).isFalse();
        NetAddress elsewhere = new NetAddress(failing.id(), "45.5.5.5", 26656);
        assertThat(book.addAddress(elsewhere, address("8.8.8.8", 26656))).as("evicted id under another IP").isFalse();
        assertThat(book.hasAddress(failing.id())).isFalse();
    }

    /**
     * Adds {@code count} pairs of (address, source) from {@code next} to a fresh book and checks
     * that they stay within the share of one group: 32 new buckets, 2,048 entries.
     */
    private static void assertWithinOneGroupsShare(int count,
            java.util.function.Supplier<NetAddress[]> next) throws IOException {
        Path tmp = Files.createTempDirectory("addrbook-group");
        try {
            AddrBook book = AddrBook.open(tmp.resolve("addrbook.json"), AddrBook.Routability.STRICT);
            Set<NodeId> ids = new HashSet<>();
            for (int i = 0; i < count; i++) {
                NetAddress[] pair = next.get();
                ids.add(pair[0].id());
                book.addAddress(pair[0], pair[1]);
            }
            assertThat(bucketsOf(book, ids)).hasSizeLessThanOrEqualTo(AddrBook.NEW_BUCKETS_PER_GROUP);
            assertThat(book.size()).isLessThanOrEqualTo(AddrBook.NEW_BUCKETS_PER_GROUP * AddrBook.BUCKET_SIZE);
            assertThat(book.checkInvariants()).isEmpty();
        } finally {
            try (var files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @net.jqwik.api.Property(tries = 40)
    void oneSourceGroupOrOneAddressGroupCanOccupyAtMostItsShareOfNewBuckets(
            @net.jqwik.api.ForAll boolean fixedSource,
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 223) int firstOctet,
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 100, max = 3000) int count,
            @net.jqwik.api.ForAll long seed) throws IOException {
        java.util.Random random = new java.util.Random(seed);
        // one /16 (of the sources, or of the addresses) against the whole address space on the other side
        java.util.function.Supplier<NetAddress> fixed = () -> address(firstOctet + ".7." + random.nextInt(256) + "."
                + (1 + random.nextInt(250)), 26656);
        java.util.function.Supplier<NetAddress> anywhere = () -> address((1 + random.nextInt(223)) + "."
                + random.nextInt(256) + "." + random.nextInt(256) + "." + (1 + random.nextInt(250)), 26656);
        assertWithinOneGroupsShare(count, () -> fixedSource
                ? new NetAddress[] {anywhere.get(), fixed.get()}
                : new NetAddress[] {fixed.get(), anywhere.get()});
    }

    @Test
    void closeWaitsForAPeriodicSaveInFlightAndWritesTheFinalStateLast() throws Exception {
        Path path = dir.resolve("addrbook.json");
        AddrBook book = AddrBook.open(path, AddrBook.Routability.ANY);
        NetAddress source = address("8.8.8.8", 26656);
        assertThat(book.addAddress(address("1.2.3.4", 26656), source)).isTrue();
        CountDownLatch periodicWritten = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> saver = new AtomicReference<>();
        book.afterTemporaryWrite = () -> {
            // the first periodic save stops between writing its (older) snapshot and the rename
            if (Thread.currentThread().getName().startsWith("p2p4j-addrbook")
                    && saver.compareAndSet(null, Thread.currentThread())) {
                periodicWritten.countDown();
                awaitIgnoringInterrupts(release, Duration.ofSeconds(10));
            }
        };
        book.startPeriodicSave(Duration.ofMillis(1));
        assertThat(periodicWritten.await(10, TimeUnit.SECONDS)).isTrue();
        NetAddress last = address("5.6.7.8", 26656);
        assertThat(book.addAddress(last, source)).isTrue();
        AtomicReference<Throwable> closeFailure = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                book.close();
            } catch (Throwable e) {
                closeFailure.set(e);
            }
        }, "closer");
        closer.start();
        // close has either finished without waiting, or waits for the periodic save
        await().atMost(Duration.ofSeconds(10)).until(() -> !closer.isAlive()
                || Set.of(Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.BLOCKED).contains(closer.getState()));
        release.countDown();
        closer.join(10_000);
        saver.get().join(10_000); // the saving thread ends once its save is done, the schedule being stopped
        assertThat(closer.isAlive()).isFalse();
        assertThat(saver.get().isAlive()).isFalse();
        assertThat(closeFailure.get()).isNull();
        assertThat(AddrBook.open(path, AddrBook.Routability.ANY).hasAddress(last.id()))
                .as("the address added before close is in the file").isTrue();
    }

    /** Waits for the latch up to {@code limit}, through interrupts (which it keeps for the caller). */
    private static void awaitIgnoringInterrupts(CountDownLatch latch, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            try {
                latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** An address under a freshly minted id, as cheap for a test as ids are for an attacker. */
    private static NetAddress mintedId(String ip) {
        byte[] id = new byte[NodeId.BYTES];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(id);
        return new NetAddress(new NodeId(java.util.HexFormat.of().formatHex(id)), ip, 26656);
    }

    @Test
    void aPeerRotatingIdsCannotFlushTheBansOfOthers() {
        TestClock clock = new TestClock();
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT, clock);
        NetAddress source = address("8.8.8.8", 26656);
        List<NetAddress> real = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            NetAddress misbehaver = address("9." + i + ".1.1", 26656);
            if (i % 2 == 0) {
                assertThat(book.addAddress(misbehaver, source)).isTrue(); // half of them known to the book
            }
            book.markBad(misbehaver, Duration.ofHours(24));
            real.add(misbehaver);
        }
        // one IP minting ids and getting each banned; every later ban expires later than the real ones
        for (int i = 0; i < AddrBook.MAX_BANNED + 500; i++) {
            clock.now = clock.now.plusMillis(10);
            book.markBad(mintedId("6.6.6.6"), Duration.ofHours(24));
        }
        // then a botnet in 64 /16s doing the same
        for (int i = 0; i < AddrBook.MAX_BANNED + 500; i++) {
            clock.now = clock.now.plusMillis(10);
            book.markBad(mintedId("7." + (i % 64) + ".0.1"), Duration.ofHours(24));
        }
        assertThat(book.snapshot()).hasSizeLessThanOrEqualTo(AddrBook.MAX_BANNED);
        assertThat(real).as("the bans made before the flood").allSatisfy(a -> assertThat(book.isBanned(a.id())).isTrue());
    }

    @Test
    void withinOneGroupABanOnAKnownIdOrAnOlderBanOutlastsNewBansOnUnknownIds() {
        TestClock clock = new TestClock();
        AddrBook book = AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.STRICT, clock);
        NetAddress known = address("6.6.1.1", 26656);
        assertThat(book.addAddress(known, address("8.8.8.8", 26656))).isTrue();
        book.markBad(known, Duration.ofMinutes(10)); // shorter than every ban after it
        clock.now = clock.now.plusSeconds(1);
        NetAddress firstUnknown = address("6.6.2.2", 26656);
        book.markBad(firstUnknown, Duration.ofHours(24));
        for (int i = 0; i < AddrBook.MAX_BANNED + 500; i++) {
            clock.now = clock.now.plusMillis(10);
            book.markBad(mintedId("6.6.6.6"), Duration.ofHours(24));
        }
        assertThat(book.snapshot()).hasSizeLessThanOrEqualTo(AddrBook.MAX_BANNED);
        assertThat(book.isBanned(known.id())).as("the ban on an id the book knew").isTrue();
        assertThat(book.isBanned(firstUnknown.id())).as("the oldest ban on an unknown id").isTrue();
    }
}
