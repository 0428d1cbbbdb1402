package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;

import io.p2p4j.NetAddress;
import io.p2p4j.NodeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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

    private static NetAddress address(int i) {
        String hex = String.format("%040x", 1_000_000L + i);
        return new NetAddress(new NodeId(hex), (1 + i % 120) + "." + (i % 7) + "." + (i % 5) + ".1", 26656 + i % 3);
    }

    @Property(tries = 40)
    void invariantsHoldUnderRandomOperations(@ForAll @Size(min = 50, max = 400) List<@net.jqwik.api.From("ops") Op> ops)
            throws IOException {
        Path dir = Files.createTempDirectory("addrbook-property");
        try {
            AddrBookTest.TestClock clock = new AddrBookTest.TestClock();
            Path file = dir.resolve("addrbook.json");
            AddrBook book = AddrBook.open(file, true, clock);
            Set<NodeId> bannedUntilLater = new HashSet<>();
            for (Op op : ops) {
                NetAddress addr = address(op.a());
                NetAddress src = address(1000 + op.b());
                switch (op.kind()) {
                    case 0, 1, 2 -> book.addAddress(addr, src);
                    case 3 -> book.markGood(addr.id());
                    case 4 -> book.markAttempt(addr);
                    case 5 -> {
                        book.markBad(addr, Duration.ofMinutes(30));
                        bannedUntilLater.add(addr.id());
                    }
                    case 6 -> book.removeAddress(addr);
                    case 7 -> {
                        NetAddress picked = book.pickAddress(op.c());
                        if (book.size() > 0 && picked != null) {
                            assertThat(book.isBanned(picked.id())).isFalse();
                        }
                    }
                    case 8 -> {
                        List<NetAddress> selection = book.getSelection();
                        assertThat(selection.size()).isLessThanOrEqualTo(250);
                        assertThat(new HashSet<>(selection)).hasSameSizeAs(selection);
                        AddrBook current = book;
                        assertThat(selection).noneMatch(a -> current.isBanned(a.id()));
                    }
                    default -> {
                        book.save();
                        List<KnownAddress> before = book.snapshot();
                        book = AddrBook.open(file, true, clock);
                        assertThat(book.snapshot()).hasSameSizeAs(before);
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
                    // the chosen side can be empty, but some pick must succeed within a few tries
                    List<NetAddress> picks = new ArrayList<>();
                    for (int i = 0; i < 20 && picks.isEmpty(); i++) {
                        NetAddress p = book.pickAddress(i * 5);
                        if (p != null) {
                            picks.add(p);
                        }
                    }
                    assertThat(picks).isNotEmpty();
                }
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
