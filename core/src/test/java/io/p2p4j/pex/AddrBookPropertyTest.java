package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Scenario 43: the book's invariants hold after every step of random sequences of add, good,
 * attempt, bad (with a ban), remove, pick, selection, save and reopen, with time advancing.
 */
class AddrBookPropertyTest {

    record Op(int kind, int a, int b, int c) {}

    @Provide
    Arbitrary<Op> ops() {
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 9),
                Arbitraries.integers().between(0, 399), Arbitraries.integers().between(0, 39),
                Arbitraries.integers().between(0, 100)).as(Op::new);
    }

    /**
     * Addresses 0 to 199 spread over many groups; 200 to 399 share one /16 and are always heard
     * from one source, so they crowd into a bucket and exercise its limit and eviction.
     */
    private static NetAddress address(int i) {
        String hex = String.format("%040x", 1_000_000L + i);
        String ip = i >= 200 && i < 400 ? "9.9." + (i % 256) + ".1"
                : (1 + i % 120) + "." + (i % 7) + "." + (i % 5) + ".1";
        return new NetAddress(new NodeId(hex), ip, 26656 + i % 3);
    }

    private static final NetAddress CROWDING_SOURCE = address(1999);

    /** Everything the file keeps of an entry, for comparing a book with its reopened copy. */
    private static String describe(KnownAddress ka) {
        return ka.addr + " src=" + ka.src + " buckets=" + ka.buckets + " type=" + ka.bucketType + " attempts="
                + ka.attempts + " lastAttempt=" + ka.lastAttempt + " lastSuccess=" + ka.lastSuccess
                + " bannedUntil=" + ka.bannedUntil;
    }

    private static Set<String> contents(AddrBook book) {
        Set<String> out = new HashSet<>();
        book.snapshot().forEach(ka -> out.add(describe(ka)));
        return out;
    }

    @Property(tries = 40)
    void invariantsHoldUnderRandomOperations(@ForAll @Size(min = 50, max = 400) List<@net.jqwik.api.From("ops") Op> ops)
            throws IOException {
        Path dir = Files.createTempDirectory("addrbook-property");
        try {
            AddrBookTest.TestClock clock = new AddrBookTest.TestClock();
            Path file = dir.resolve("addrbook.json");
            AddrBook book = AddrBook.open(file, AddrBook.Routability.STRICT, clock);
            Map<NodeId, Instant> bans = new HashMap<>();
            for (Op op : ops) {
                NetAddress addr = address(op.a());
                NetAddress src = op.a() >= 200 ? CROWDING_SOURCE : address(1000 + op.b());
                Instant now = clock.now;
                java.util.function.Predicate<NetAddress> bannedNow = a -> bans.getOrDefault(a.id(), Instant.MIN).isAfter(now);
                switch (op.kind()) {
                    case 0, 1, 2 -> book.addAddress(addr, src);
                    case 3 -> book.markGood(addr.id());
                    case 4 -> book.markAttempt(addr);
                    case 5 -> {
                        book.markBad(addr, Duration.ofMinutes(30)); // a ban is never shortened
                        bans.merge(addr.id(), now.plus(Duration.ofMinutes(30)), (x, y) -> x.isAfter(y) ? x : y);
                    }
                    case 6 -> book.removeAddress(addr);
                    case 7 -> {
                        NetAddress picked = book.pickAddress(op.c());
                        if (picked != null) {
                            assertThat(bannedNow.test(picked)).as("picked %s while banned", picked).isFalse();
                        }
                    }
                    case 8 -> {
                        List<NetAddress> selection = book.getSelection();
                        assertThat(selection.size()).isLessThanOrEqualTo(AddrBook.MAX_SELECTION);
                        assertThat(new HashSet<>(selection)).hasSameSizeAs(selection);
                        assertThat(selection).noneMatch(bannedNow);
                    }
                    default -> {
                        book.save();
                        Set<String> before = contents(book);
                        book = AddrBook.open(file, AddrBook.Routability.STRICT, clock);
                        assertThat(contents(book)).as("reopened book").isEqualTo(before);
                    }
                }
                clock.now = clock.now.plusSeconds(op.c());
                assertThat(book.checkInvariants()).as("after %s", op).isEmpty();
                Set<NodeId> ids = new HashSet<>();
                for (KnownAddress ka : book.snapshot()) {
                    if (ka.buckets.isEmpty()) {
                        continue; // a ban entry
                    }
                    assertThat(ids.add(ka.addr.id())).isTrue();
                }
                assertThat(ids).hasSize(book.size());
                if (book.size() > 0) {
                    for (int bias : new int[] {0, 30, op.c(), 100}) {
                        assertThat(book.pickAddress(bias)).as("pick with bias %d from %d", bias, book.size()).isNotNull();
                    }
                }
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
