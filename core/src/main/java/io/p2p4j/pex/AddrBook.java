package io.p2p4j.pex;

import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address book: where a node keeps the peers it heard of, hardened as Bitcoin's address
 * manager is and laid out as CometBFT's. Addresses start in "new" buckets (256 of 64 entries, up
 * to 4 buckets each) and move to an "old" bucket (64 of 64, exactly one) once a connection to
 * them worked. Which bucket an address lands in depends on a keyed hash of its network group and
 * of its source's group (the IP we heard it from, never a claimed one), laid out so that neither
 * can fill the book: the addresses a single source group tells us about land in at most 32 of the
 * 256 new buckets, and the addresses of a single address group, whoever tells us about them, in
 * at most 32 as well; 32 buckets hold 2,048 entries, 1/8 of the new table.
 *
 * <p>Gossip cannot move or push out what the book holds: a known id keeps its address (another
 * address for it is ignored), an addition evicts only an entry that was tried and failed (a full
 * bucket otherwise refuses the newcomer), entries in old buckets are never touched by additions,
 * and an id evicted is remembered with its address so that it cannot come back under another.
 *
 * <p>The book lives in CometBFT's {@code addrbook.json} layout. {@link #open} loads it (a corrupt
 * or oversized file is set aside as {@code addrbook.json.corrupt-<time>}, never overwritten, and
 * the book starts empty); {@link #save} writes it atomically; {@link #startPeriodicSave} saves it
 * every so often and {@link #close} saves it a last time, after any periodic save in flight.
 * Thread-safe; the book's lock is never held during file I/O (saves take a lock of their own).
 */
public final class AddrBook implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AddrBook.class);
    static final int NEW_BUCKETS = 256;
    static final int OLD_BUCKETS = 64;
    static final int BUCKET_SIZE = 64;
    static final int MAX_NEW_BUCKETS_PER_ADDRESS = 4;
    /**
     * The new buckets seen as a 16 x 16 grid: a source group picks its row among 2 of its own, an
     * address group its column among 2 of its own, so each group reaches 2 lines of 16 buckets.
     */
    static final int GRID = 16;
    private static final int LINES_PER_GROUP = 2;
    /** Most new buckets one source group, or one address group, can reach: 32. */
    static final int NEW_BUCKETS_PER_GROUP = LINES_PER_GROUP * GRID;
    static final int OLD_BUCKETS_PER_GROUP = 4;
    /** Below this many addresses the book asks peers for more (CometBFT's needAddressThreshold). */
    public static final int NEED_ADDRESS_THRESHOLD = 1000;
    /**
     * Most bans kept, so that bans cannot grow memory without bound. Beyond it a ban goes from the
     * address group holding the most bans (see {@link #trimBans}), so a peer minting ids from a
     * few IP groups pushes out its own bans, not those of others.
     */
    static final int MAX_BANNED = 4096;
    /** Most addresses {@link #getSelection()} returns. */
    public static final int MAX_SELECTION = 250;
    /**
     * Most evicted ids remembered with their address, so that gossip cannot bring one back under
     * another address: 4,096, as many as bans, the oldest forgotten first. Evictions take an entry
     * that was tried and failed, which only our own dials make, so they come slowly.
     */
    static final int MAX_EVICTED = 4096;

    private final Path file;
    private final boolean strict;
    private final Clock clock;
    private final Random random = new SecureRandom();
    /** The book's secret hash key, saved in the file so that placement survives a restart. */
    private final String key;
    private final byte[] keyBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Map<NodeId, KnownAddress>> newBuckets = new ArrayList<>(NEW_BUCKETS);
    private final List<Map<NodeId, KnownAddress>> oldBuckets = new ArrayList<>(OLD_BUCKETS);
    private final Map<NodeId, KnownAddress> lookup = new HashMap<>();
    private final Map<NodeId, KnownAddress> banned = new HashMap<>();
    private final LinkedHashMap<NodeId, NetAddress> evicted = new LinkedHashMap<>();
    private final Set<String> ourAddresses = new HashSet<>();
    private final Set<NodeId> privateIds = new HashSet<>();
    private int nNew;
    private int nOld;
    private ScheduledExecutorService saver;
    /** Held for a whole save, file I/O included; taken before {@link #lock}, never while holding it. */
    private final ReentrantLock saveLock = new ReentrantLock();
    /** Set by {@link #close()}: periodic saves stop. Guarded by {@link #saveLock}. */
    private boolean closed;
    /** Test hook: runs after the temporary file is written, before it replaces the book. */
    Runnable afterTemporaryWrite = () -> { };

    private AddrBook(Path file, boolean strict, Clock clock, String key) {
        this.file = file;
        this.strict = strict;
        this.clock = clock;
        this.key = key;
        this.keyBytes = java.util.HexFormat.of().parseHex(key);
        for (int i = 0; i < NEW_BUCKETS; i++) {
            newBuckets.add(new LinkedHashMap<>());
        }
        for (int i = 0; i < OLD_BUCKETS; i++) {
            oldBuckets.add(new LinkedHashMap<>());
        }
    }

    /** Which addresses the book takes in, CometBFT's {@code addr_book_strict}. */
    public enum Routability {
        /** Only routable addresses: private, loopback and other local ones are refused (CometBFT's default). */
        STRICT,
        /** Any valid address, local ones too: for local networks and tests. */
        ANY
    }

    /** How many addresses the book holds in new buckets (heard of) and in old ones (connected to). */
    public record Counts(int newAddresses, int oldAddresses) {
    }

    /**
     * Opens the book kept in {@code file} (created on the first save if absent).
     *
     * @param routability whether non-routable addresses are refused
     */
    public static AddrBook open(Path file, Routability routability) {
        return open(file, routability, Clock.systemUTC());
    }

    /** As {@link #open(Path, Routability)}, with a clock (for tests). */
    public static AddrBook open(Path file, Routability routability, Clock clock) {
        AddrBookFile.Loaded loaded = AddrBookFile.load(file, clock.instant());
        String key = loaded == null ? newKey() : loaded.key();
        AddrBook book = new AddrBook(file, Objects.requireNonNull(routability, "routability") == Routability.STRICT,
                clock, key);
        if (loaded != null) {
            book.restore(loaded.entries());
        }
        return book;
    }

    private static String newKey() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private void restore(List<KnownAddress> entries) {
        Instant now = clock.instant();
        for (KnownAddress ka : entries) {
            if (lookup.containsKey(ka.addr.id()) || banned.containsKey(ka.addr.id())) {
                log.warn("address book {}: dropping a second entry for {}", file, ka.addr.id());
                continue;
            }
            if (ka.buckets.isEmpty()) {
                if (ka.isBanned(now)) {
                    ka.group = AddressGroups.group(ka.addr, strict);
                    banned.put(ka.addr.id(), ka);
                }
                continue;
            }
            List<Map<NodeId, KnownAddress>> side = ka.isOld() ? oldBuckets : newBuckets;
            List<Integer> placed = new ArrayList<>();
            for (int bucket : ka.buckets) {
                if (side.get(bucket).size() < BUCKET_SIZE) {
                    side.get(bucket).put(ka.addr.id(), ka);
                    placed.add(bucket);
                }
            }
            if (placed.isEmpty()) {
                continue;
            }
            ka.buckets.clear();
            ka.buckets.addAll(placed);
            lookup.put(ka.addr.id(), ka);
            if (ka.isOld()) {
                nOld++;
            } else {
                nNew++;
            }
        }
        trimBans(); // a file may hold more bans than the book keeps
    }

    /**
     * Keeps at most {@link #MAX_BANNED} bans. Expired ones go first; then, one at a time, a ban
     * from the address group that holds the most: in that group a ban on an id that was not in the
     * book goes before one on an id that was, and the newest before older ones. A peer that
     * rotates ids to be banned over and over thus fills its own group's share and then replaces
     * its own latest bans; a ban in another group goes only when that group holds as many, and a
     * ban on a known id never yields to one on an id never seen in the same group. Ties between
     * groups go the same way, by the ban that would go. Under the lock, or before the book is shared.
     */
    private void trimBans() {
        if (banned.size() <= MAX_BANNED) {
            return;
        }
        Instant now = clock.instant();
        banned.values().removeIf(b -> !b.isBanned(now));
        int excess = banned.size() - MAX_BANNED;
        if (excess <= 0) {
            return;
        }
        Map<String, List<KnownAddress>> byGroup = new HashMap<>();
        for (KnownAddress b : banned.values()) {
            byGroup.computeIfAbsent(b.group, g -> new ArrayList<>()).add(b);
        }
        if (excess == 1) { // a ban made with the list full: one pass, no sorting
            int most = byGroup.values().stream().mapToInt(List::size).max().orElseThrow();
            KnownAddress victim = null;
            for (List<KnownAddress> group : byGroup.values()) {
                if (group.size() < most) {
                    continue;
                }
                for (KnownAddress b : group) {
                    if (victim == null || FIRST_TO_GO.compare(b, victim) < 0) {
                        victim = b;
                    }
                }
            }
            banned.remove(victim.addr.id());
            return;
        }
        PriorityQueue<ArrayDeque<KnownAddress>> fullest = new PriorityQueue<>(
                Comparator.comparing((ArrayDeque<KnownAddress> g) -> g.size(), Comparator.reverseOrder())
                        .thenComparing(ArrayDeque::peekFirst, FIRST_TO_GO));
        for (List<KnownAddress> group : byGroup.values()) {
            group.sort(FIRST_TO_GO);
            fullest.add(new ArrayDeque<>(group));
        }
        for (int i = 0; i < excess; i++) {
            ArrayDeque<KnownAddress> group = fullest.poll();
            banned.remove(group.pollFirst().addr.id());
            if (!group.isEmpty()) {
                fullest.add(group);
            }
        }
    }

    /** Within an address group, the order bans go in: on ids that were not in the book first, then the newest. */
    private static final Comparator<KnownAddress> FIRST_TO_GO = Comparator.comparing((KnownAddress b) -> b.bannedWhileKnown)
            .thenComparing(b -> b.bannedAt, Comparator.reverseOrder());

    // ---- adding and marking ---------------------------------------------------------------------

    /**
     * Adds an address heard from {@code source}, the address of the peer that told us (its IP as
     * connected, never one it claims: the source group bounds the buckets it can reach). Refused
     * (false) when the address is not a valid IP address with a port, not routable in strict
     * mode, banned, private, or ours; when its id is known, or was evicted, under another address;
     * or when its bucket is full of entries not yet found bad. An address already known stays
     * where it is (a new one may gain one more bucket).
     *
     * @return true if the address is in the book afterwards
     */
    public boolean addAddress(NetAddress addr, NetAddress source) {
        String refusal = refusal(addr, source);
        if (refusal != null) {
            log.debug("address book: not adding {} from {}: {}", addr, source, refusal);
            return false;
        }
        lock.lock();
        try {
            Instant now = clock.instant();
            KnownAddress banEntry = banned.get(addr.id());
            if (banEntry != null && banEntry.isBanned(now)) {
                return false;
            }
            KnownAddress ka = lookup.get(addr.id());
            if (ka != null) {
                if (!sameEndpoint(ka.addr, addr)) {
                    log.debug("address book: not adding {} from {}: known as {}", addr, source, ka.addr);
                    return false;
                }
                if (ka.isOld() || ka.buckets.size() >= MAX_NEW_BUCKETS_PER_ADDRESS) {
                    return true;
                }
                if (random.nextInt(2 * ka.buckets.size()) != 0) {
                    return true; // the more buckets it is in, the less likely it gains another
                }
                addToNewBucket(ka, newBucketIndex(addr, source), now, false);
                return true;
            }
            NetAddress gone = evicted.get(addr.id());
            if (gone != null && !sameEndpoint(gone, addr)) {
                log.debug("address book: not adding {} from {}: evicted as {}", addr, source, gone);
                return false;
            }
            boolean added = addToNewBucket(new KnownAddress(addr, source), newBucketIndex(addr, source), now, false);
            if (added) {
                evicted.remove(addr.id());
            }
            return added;
        } finally {
            lock.unlock();
        }
    }

    private String refusal(NetAddress addr, NetAddress source) {
        if (addr == null || source == null) {
            return "missing address";
        }
        if (!addr.isValid() || addr.port() == 0) {
            return "not a valid IP address and port";
        }
        if (strict && !addr.isRoutable()) {
            return "not routable";
        }
        lock.lock();
        try {
            if (privateIds.contains(addr.id()) || privateIds.contains(source.id())) {
                return "private";
            }
            if (ourAddresses.contains(addr.hostPort()) || ourAddresses.contains(addr.id().hex())) {
                return "our own address";
            }
        } finally {
            lock.unlock();
        }
        return null;
    }

    private static boolean sameEndpoint(NetAddress a, NetAddress b) {
        return a.port() == b.port() && java.util.Arrays.equals(a.ip(), b.ip());
    }

    /**
     * Puts an entry in a new bucket, making room in a full one if it can; false if the entry could
     * not be placed. A gossiped address may push out only an entry that was tried and failed; an
     * entry coming back from an old bucket ({@code vetted}) may, as in CometBFT, also push out the
     * least recently tried one.
     */
    private boolean addToNewBucket(KnownAddress ka, int bucket, Instant now, boolean vetted) {
        Map<NodeId, KnownAddress> b = newBuckets.get(bucket);
        if (b.containsKey(ka.addr.id())) {
            return true;
        }
        if (b.size() >= BUCKET_SIZE && !expireNew(bucket, now, vetted)) {
            return false;
        }
        b.put(ka.addr.id(), ka);
        ka.buckets.add(bucket);
        if (ka.buckets.size() == 1) {
            ka.bucketType = KnownAddress.NEW;
            lookup.put(ka.addr.id(), ka);
            nNew++;
        }
        return true;
    }

    /**
     * Makes room in a full new bucket: an entry that was tried and is bad (CometBFT's test, less
     * its rule that an entry never tried is bad), else, for a {@code vetted} newcomer only, the
     * least recently tried. False if nothing may go.
     */
    private boolean expireNew(int bucket, Instant now, boolean vetted) {
        Map<NodeId, KnownAddress> b = newBuckets.get(bucket);
        KnownAddress victim = null;
        for (KnownAddress ka : b.values()) {
            if (!ka.lastAttempt.equals(KnownAddress.ZERO) && ka.isBad(now)) {
                victim = ka;
                break;
            }
            if (vetted && (victim == null || ka.lastAttempt.isBefore(victim.lastAttempt))) {
                victim = ka;
            }
        }
        if (victim == null) {
            return false;
        }
        removeFromBucket(victim, bucket);
        return true;
    }

    private void removeFromBucket(KnownAddress ka, int bucket) {
        newBuckets.get(bucket).remove(ka.addr.id());
        ka.buckets.remove(Integer.valueOf(bucket));
        if (ka.buckets.isEmpty()) {
            lookup.remove(ka.addr.id());
            nNew--;
            rememberEvicted(ka.addr);
        }
    }

    /** Keeps an evicted id's address, so that gossip cannot bring the id back under another. */
    private void rememberEvicted(NetAddress addr) {
        evicted.remove(addr.id());
        evicted.put(addr.id(), addr);
        if (evicted.size() > MAX_EVICTED) {
            evicted.remove(evicted.keySet().iterator().next());
        }
    }

    /** A connection to this peer worked: it moves to (or stays in) an old bucket. */
    public void markGood(NodeId id) {
        lock.lock();
        try {
            KnownAddress ka = lookup.get(id);
            if (ka == null) {
                return;
            }
            Instant now = clock.instant();
            ka.attempts = 0;
            ka.lastAttempt = now;
            ka.lastSuccess = now;
            if (!ka.isOld()) {
                moveToOld(ka, now);
            }
        } finally {
            lock.unlock();
        }
    }

    private void moveToOld(KnownAddress ka, Instant now) {
        for (int bucket : List.copyOf(ka.buckets)) {
            newBuckets.get(bucket).remove(ka.addr.id());
        }
        ka.buckets.clear();
        nNew--;
        int bucket = oldBucketIndex(ka.addr);
        Map<NodeId, KnownAddress> b = oldBuckets.get(bucket);
        if (b.size() >= BUCKET_SIZE) {
            // the least recently tried old entry goes back to a new bucket (what CometBFT means to do)
            KnownAddress oldest = null;
            for (KnownAddress candidate : b.values()) {
                if (oldest == null || candidate.lastAttempt.isBefore(oldest.lastAttempt)) {
                    oldest = candidate;
                }
            }
            b.remove(oldest.addr.id());
            oldest.buckets.clear();
            nOld--;
            lookup.remove(oldest.addr.id());
            oldest.bucketType = KnownAddress.NEW;
            if (!addToNewBucket(oldest, newBucketIndex(oldest.addr, oldest.src), now, true)) {
                rememberEvicted(oldest.addr);
            }
        }
        b.put(ka.addr.id(), ka);
        ka.buckets.add(bucket);
        ka.bucketType = KnownAddress.OLD;
        lookup.put(ka.addr.id(), ka);
        nOld++;
    }

    /** A dial to this address is being made (or failed): counts the attempt. */
    public void markAttempt(NetAddress addr) {
        lock.lock();
        try {
            KnownAddress ka = lookup.get(addr.id());
            if (ka != null) {
                ka.attempts++;
                ka.lastAttempt = clock.instant();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Bans the peer for {@code banTime} (a ban is never shortened): it leaves the buckets, is
     * refused by {@link #addAddress} and never picked or gossiped until the ban expires.
     */
    public void markBad(NetAddress addr, Duration banTime) {
        lock.lock();
        try {
            Instant now = clock.instant();
            Instant until = now.plus(banTime);
            KnownAddress ka = lookup.get(addr.id());
            if (ka != null) {
                removeEverywhere(ka);
                ka.bannedWhileKnown = true;
            } else {
                // unlike CometBFT, an id not in the book is banned too, but its ban ranks lowest
                ka = banned.get(addr.id());
                if (ka == null) {
                    ka = new KnownAddress(addr, addr);
                    ka.bannedWhileKnown = false;
                }
            }
            if (until.isAfter(ka.bannedUntil)) {
                ka.bannedUntil = until;
                ka.bannedAt = now;
            }
            ka.group = AddressGroups.group(ka.addr, strict);
            banned.put(addr.id(), ka);
            trimBans();
        } finally {
            lock.unlock();
        }
    }

    /** True if the peer is banned now. */
    public boolean isBanned(NodeId id) {
        lock.lock();
        try {
            KnownAddress ka = banned.get(id);
            return ka != null && ka.isBanned(clock.instant());
        } finally {
            lock.unlock();
        }
    }

    /** Puts peers whose ban has expired back into a new bucket. */
    public void reinstateBadPeers() {
        lock.lock();
        try {
            Instant now = clock.instant();
            for (KnownAddress ka : List.copyOf(banned.values())) {
                if (!ka.isBanned(now)) {
                    banned.remove(ka.addr.id());
                    ka.buckets.clear();
                    ka.bucketType = KnownAddress.NEW;
                    if (refusal(ka.addr, ka.src) == null) {
                        addToNewBucket(ka, newBucketIndex(ka.addr, ka.src), now, false);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets an address. */
    public void removeAddress(NetAddress addr) {
        lock.lock();
        try {
            KnownAddress ka = lookup.get(addr.id());
            if (ka != null) {
                removeEverywhere(ka);
            }
        } finally {
            lock.unlock();
        }
    }

    private void removeEverywhere(KnownAddress ka) {
        List<Map<NodeId, KnownAddress>> side = ka.isOld() ? oldBuckets : newBuckets;
        for (int bucket : ka.buckets) {
            side.get(bucket).remove(ka.addr.id());
        }
        ka.buckets.clear();
        lookup.remove(ka.addr.id());
        if (ka.isOld()) {
            nOld--;
        } else {
            nNew--;
        }
    }

    /** Remembers an address (and id) as ours: never added, never dialed. */
    public void addOurAddress(NetAddress addr) {
        lock.lock();
        try {
            ourAddresses.add(addr.hostPort());
            ourAddresses.add(addr.id().hex());
            KnownAddress ka = lookup.get(addr.id());
            if (ka != null) {
                removeEverywhere(ka);
            }
        } finally {
            lock.unlock();
        }
    }

    /** True if the address is one of ours. */
    public boolean isOurAddress(NetAddress addr) {
        lock.lock();
        try {
            return ourAddresses.contains(addr.hostPort()) || ourAddresses.contains(addr.id().hex());
        } finally {
            lock.unlock();
        }
    }

    /** Ids that are never stored (so never gossiped), as address or as source. */
    public void addPrivateIds(Set<NodeId> ids) {
        lock.lock();
        try {
            privateIds.addAll(ids);
            for (NodeId id : ids) {
                KnownAddress ka = lookup.get(id);
                if (ka != null) {
                    removeEverywhere(ka);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- picking ------------------------------------------------------------------------------

    /**
     * Picks an address to dial: from the new or the old buckets, favouring new ones by
     * {@code biasTowardsNewPercent} (0 to 100) weighted by the square roots of their counts, as
     * CometBFT does; then a random non-empty bucket and a random entry. Null only when the book
     * is empty (a side with no entries has no weight).
     */
    public NetAddress pickAddress(int biasTowardsNewPercent) {
        return pickAddress(biasTowardsNewPercent, id -> false);
    }

    /**
     * As {@link #pickAddress(int)}, among the entries whose id {@code skip} refuses only (the
     * peers we are connected to or dialing): they count neither in the weights nor in the
     * buckets. Without this, a node with few peers, whose old buckets hold mostly the peers it
     * is already connected to (an outbound connection makes an address old), would spend most
     * picks on them. Null when no entry is left. {@code skip} runs under the book's lock: it must
     * be quick and take no lock.
     */
    public NetAddress pickAddress(int biasTowardsNewPercent, Predicate<NodeId> skip) {
        lock.lock();
        try {
            List<List<KnownAddress>> olds = usableBuckets(oldBuckets, skip);
            List<List<KnownAddress>> news = usableBuckets(newBuckets, skip);
            int usableOld = olds.stream().mapToInt(List::size).sum();
            int usableNew = countDistinct(news);
            if (usableOld + usableNew == 0) {
                return null;
            }
            int bias = Math.max(0, Math.min(100, biasTowardsNewPercent));
            double oldCorrelation = Math.sqrt(usableOld) * (100 - bias);
            double newCorrelation = Math.sqrt(usableNew) * bias;
            boolean pickOld = (oldCorrelation + newCorrelation) * random.nextDouble() < oldCorrelation;
            if (oldCorrelation + newCorrelation == 0) {
                pickOld = usableOld > 0;
            }
            // a side with no usable entries has no weight, so the chosen side has some here
            List<List<KnownAddress>> side = pickOld ? olds : news;
            List<KnownAddress> bucket = side.get(random.nextInt(side.size()));
            return bucket.get(random.nextInt(bucket.size())).addr;
        } finally {
            lock.unlock();
        }
    }

    /** The buckets of one side, each reduced to the entries {@code skip} refuses, empty ones left out. */
    private static List<List<KnownAddress>> usableBuckets(List<Map<NodeId, KnownAddress>> side, Predicate<NodeId> skip) {
        List<List<KnownAddress>> usable = new ArrayList<>();
        for (Map<NodeId, KnownAddress> bucket : side) {
            List<KnownAddress> entries = new ArrayList<>(bucket.size());
            for (KnownAddress ka : bucket.values()) {
                if (!skip.test(ka.addr.id())) {
                    entries.add(ka);
                }
            }
            if (!entries.isEmpty()) {
                usable.add(entries);
            }
        }
        return usable;
    }

    /** Entries in the buckets, each counted once (a new entry may sit in up to 4 buckets). */
    private static int countDistinct(List<List<KnownAddress>> buckets) {
        Set<NodeId> ids = new HashSet<>();
        buckets.forEach(b -> b.forEach(ka -> ids.add(ka.addr.id())));
        return ids.size();
    }

    /** How many addresses {@link #getSelection()} gives for a book of this size (CometBFT's rule). */
    static int selectionSize(int size) {
        return Math.min(MAX_SELECTION, Math.max(Math.min(32, size), size * 23 / 100));
    }

    /** About 23 % of the book, at least min(32, size), at most 250 addresses, chosen at random. */
    public List<NetAddress> getSelection() {
        lock.lock();
        try {
            List<KnownAddress> all = new ArrayList<>(lookup.values());
            Collections.shuffle(all, random);
            return all.subList(0, selectionSize(all.size())).stream().map(ka -> ka.addr).toList();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A selection of the same size in which at least {@code biasTowardsNewPercent} % (and at least
     * what the old buckets cannot fill) are new addresses, as a seed answers inbound peers.
     */
    public List<NetAddress> getSelectionWithBias(int biasTowardsNewPercent) {
        lock.lock();
        try {
            int num = selectionSize(lookup.size());
            int bias = Math.max(0, Math.min(100, biasTowardsNewPercent));
            int requiredNew = Math.max((int) Math.round(bias / 100.0 * num), num - nOld);
            List<KnownAddress> news = new ArrayList<>();
            List<KnownAddress> olds = new ArrayList<>();
            for (KnownAddress ka : lookup.values()) {
                (ka.isOld() ? olds : news).add(ka);
            }
            Collections.shuffle(news, random);
            Collections.shuffle(olds, random);
            List<NetAddress> out = new ArrayList<>();
            for (int i = 0; i < Math.min(requiredNew, news.size()); i++) {
                out.add(news.get(i).addr);
            }
            for (int i = 0; i < olds.size() && out.size() < num; i++) {
                out.add(olds.get(i).addr);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    // ---- state --------------------------------------------------------------------------------

    /** Addresses known (banned ones excluded). */
    public int size() {
        lock.lock();
        try {
            return lookup.size();
        } finally {
            lock.unlock();
        }
    }

    /** True below {@link #NEED_ADDRESS_THRESHOLD} addresses. */
    public boolean needMoreAddresses() {
        return size() < NEED_ADDRESS_THRESHOLD;
    }

    /** True if the id is in the book. */
    public boolean hasAddress(NodeId id) {
        lock.lock();
        try {
            return lookup.containsKey(id);
        } finally {
            lock.unlock();
        }
    }

    /** Addresses in new and in old buckets. */
    public Counts counts() {
        lock.lock();
        try {
            return new Counts(nNew, nOld);
        } finally {
            lock.unlock();
        }
    }

    /** The file the book lives in. */
    public Path file() {
        return file;
    }

    /** A consistent copy of every entry (banned ones included), for saving and for tests. */
    List<KnownAddress> snapshot() {
        lock.lock();
        try {
            List<KnownAddress> copy = new ArrayList<>();
            for (KnownAddress ka : lookup.values()) {
                copy.add(copyOf(ka));
            }
            Instant now = clock.instant();
            for (KnownAddress ka : banned.values()) {
                if (ka.isBanned(now)) {
                    copy.add(copyOf(ka));
                }
            }
            return copy;
        } finally {
            lock.unlock();
        }
    }

    /** Checks the bucket invariants; returns the problems found (empty when all hold). For tests. */
    List<String> checkInvariants() {
        lock.lock();
        try {
            List<String> problems = new ArrayList<>();
            int news = 0;
            int olds = 0;
            for (KnownAddress ka : lookup.values()) {
                if (ka.isOld()) {
                    olds++;
                    if (ka.buckets.size() != 1) {
                        problems.add(ka.addr + " is old in " + ka.buckets.size() + " buckets");
                    }
                } else {
                    news++;
                    if (ka.buckets.isEmpty() || ka.buckets.size() > MAX_NEW_BUCKETS_PER_ADDRESS) {
                        problems.add(ka.addr + " is new in " + ka.buckets.size() + " buckets");
                    }
                }
                List<Map<NodeId, KnownAddress>> side = ka.isOld() ? oldBuckets : newBuckets;
                for (int b : ka.buckets) {
                    if (side.get(b).get(ka.addr.id()) != ka) {
                        problems.add(ka.addr + " missing from bucket " + b);
                    }
                }
            }
            if (news != nNew || olds != nOld) {
                problems.add("counts " + nNew + "/" + nOld + " but entries " + news + "/" + olds);
            }
            for (List<Map<NodeId, KnownAddress>> side : List.of(newBuckets, oldBuckets)) {
                for (Map<NodeId, KnownAddress> b : side) {
                    if (b.size() > BUCKET_SIZE) {
                        problems.add("a bucket holds " + b.size());
                    }
                }
            }
            return problems;
        } finally {
            lock.unlock();
        }
    }

    private static KnownAddress copyOf(KnownAddress ka) {
        KnownAddress c = new KnownAddress(ka.addr, ka.src);
        c.buckets.addAll(ka.buckets);
        c.bucketType = ka.bucketType;
        c.attempts = ka.attempts;
        c.lastAttempt = ka.lastAttempt;
        c.lastSuccess = ka.lastSuccess;
        c.bannedUntil = ka.bannedUntil;
        c.bannedAt = ka.bannedAt;
        c.bannedWhileKnown = ka.bannedWhileKnown;
        c.group = ka.group;
        return c;
    }

    // ---- persistence ----------------------------------------------------------------------------

    /**
     * Writes the book to its file atomically (temporary file, fsync, rename). Saves run one at a
     * time, each taking its snapshot once the one before has replaced the file, so a save never
     * puts an older state over a newer one.
     */
    public void save() throws IOException {
        saveLock.lock();
        try {
            AddrBookFile.save(file, key, snapshot(), afterTemporaryWrite);
        } finally {
            saveLock.unlock();
        }
    }

    /** One periodic save; nothing once the book is closed, whose last save must stay the last. */
    private void periodicSave() throws IOException {
        saveLock.lock();
        try {
            if (!closed) {
                save();
            }
        } finally {
            saveLock.unlock();
        }
    }

    /** Saves every {@code period} on a daemon thread until {@link #close()}. */
    public void startPeriodicSave(Duration period) {
        lock.lock();
        try {
            if (saver != null) {
                return;
            }
            saver = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("p2p4j-addrbook").factory());
            saver.scheduleAtFixedRate(new SurvivingTask("saving the address book " + file, log, () -> {
                try {
                    periodicSave();
                } catch (IOException e) {
                    log.warn("saving the address book {} failed: {}", file, e.getMessage());
                }
            }), period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the periodic save and saves a last time: a periodic save in flight finishes first
     * (it is not interrupted, which could leave it half done) and none starts afterwards, so the
     * file ends with the state at close.
     */
    @Override
    public void close() throws IOException {
        ScheduledExecutorService current;
        lock.lock();
        try {
            current = saver;
            saver = null;
        } finally {
            lock.unlock();
        }
        if (current != null) {
            current.shutdown(); // cancels the schedule; a save under way keeps running
        }
        saveLock.lock();
        try {
            closed = true;
            save();
        } finally {
            saveLock.unlock();
        }
    }

    // ---- bucket placement -------------------------------------------------------------------------

    /**
     * The new bucket of an address heard from a source: one bucket per pair of groups, as in
     * CometBFT, but at the crossing of a row chosen by the source group (one of 2 rows of its own)
     * and a column chosen by the address group (one of 2 columns of its own). CometBFT bounds only
     * the source group's buckets; here many sources announcing one address group stay within its
     * 2 columns as well.
     */
    int newBucketIndex(NetAddress addr, NetAddress src) {
        String srcGroup = AddressGroups.group(src, strict);
        String addrGroup = AddressGroups.group(addr, strict);
        long pair = hash(srcGroup, addrGroup);
        long row = Long.remainderUnsigned(hash("row", srcGroup, Long.toString(pair & 1)), GRID);
        long column = Long.remainderUnsigned(hash("column", addrGroup, Long.toString((pair >>> 1) & 1)), GRID);
        return (int) (row * GRID + column);
    }

    int oldBucketIndex(NetAddress addr) {
        long h1 = hash(addr.toString());
        long i = Long.remainderUnsigned(h1, OLD_BUCKETS_PER_GROUP);
        long h2 = hash(AddressGroups.group(addr, strict), Long.toString(i));
        return (int) Long.remainderUnsigned(h2, OLD_BUCKETS);
    }

    /** A 64-bit keyed hash: SHA-256 over the book's key and the length-prefixed parts. */
    private long hash(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(keyBytes);
            for (String part : parts) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                digest.update((byte) bytes.length);
                digest.update(bytes);
            }
            byte[] out = digest.digest();
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (out[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
