package io.p2p4j.pex;

import io.p2p4j.identity.NodeInfo;
import com.google.protobuf.InvalidProtocolBufferException;
import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.internal.CompletionCause;
import io.p2p4j.Peer;
import io.p2p4j.PeerCounts;
import io.p2p4j.proto.NetAddressProto;
import io.p2p4j.proto.PexAddrs;
import io.p2p4j.proto.PexMessage;
import io.p2p4j.proto.PexRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer exchange on channel 0x00, CometBFT v0.38's protocol: peers ask each other for addresses
 * ({@code PexRequest}) and answer with a selection of their book ({@code PexAddrs}). Every
 * ensure-peers period it dials addresses from the book until the node has its outbound peers,
 * asks a peer for more when the book is small, and falls back to the seeds when it is empty. In
 * seed mode it crawls the network instead, and disconnects peers once it has served them.
 *
 * <p>Misbehaviour stops the peer and bans its address for the ban time: a second request sooner
 * than a third of the period, addresses that were not asked for, or more than 250 of them.
 * Addresses that are invalid, private, banned, ours or (strict book) not routable are skipped one
 * by one; they are no reason to drop a peer.
 */
public final class PexReactor extends BaseReactor {
    private static final Logger log = LoggerFactory.getLogger(PexReactor.class);
    /** The PEX channel. */
    public static final byte CHANNEL = 0x00;
    static final int MAX_ADDRESSES = AddrBook.MAX_SELECTION;

    private final AddrBook book;
    private final PexConfig config;
    private final Map<NodeId, Boolean> requested = new ConcurrentHashMap<>();
    private final Map<NodeId, long[]> lastRequests = new ConcurrentHashMap<>();
    private final DialBackoff dialBackoff;
    private final Map<String, Long> crawled = new ConcurrentHashMap<>();
    private final Set<NodeId> served = ConcurrentHashMap.newKeySet();
    private final Map<NodeId, Long> connectedSince = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService timer;
    private final LongAdder requestsSent = new LongAdder();
    private final LongAdder requestsReceived = new LongAdder();
    private final LongAdder addrsSent = new LongAdder();
    private final LongAdder addrsReceived = new LongAdder();
    private final LongAdder peersBanned = new LongAdder();

    /**
     * PEX traffic since the reactor was made.
     *
     * @param requestsSent     address requests sent
     * @param requestsReceived address requests received
     * @param addrsSent        address lists sent
     * @param addrsReceived    address lists received
     * @param peersBanned      peers stopped and banned for breaking the PEX rules (asking too often,
     *                         unrequested or oversized lists)
     */
    public record Stats(long requestsSent, long requestsReceived, long addrsSent, long addrsReceived,
            long peersBanned) {
        /** Messages sent and received, all kinds. */
        public long messages() {
            return requestsSent + requestsReceived + addrsSent + addrsReceived;
        }
    }

    /** Most addresses whose dial failures are counted; as many as the book keeps bans. */
    static final int MAX_DIAL_BACKOFFS = AddrBook.MAX_BANNED;

    public PexReactor(AddrBook book, PexConfig config) {
        this.book = book;
        this.config = config;
        this.dialBackoff = new DialBackoff(config.dialBackoffBase(), MAX_DIAL_BACKOFFS);
    }

    /** Addresses whose failed dials are being counted (for tests). */
    int dialBackoffs() {
        return dialBackoff.size();
    }

    /** The address book this reactor fills. */
    public AddrBook book() {
        return book;
    }

    /** PEX messages so far, and peers banned for misbehaving. */
    public Stats stats() {
        return new Stats(requestsSent.sum(), requestsReceived.sum(), addrsSent.sum(), addrsReceived.sum(),
                peersBanned.sum());
    }

    @Override
    public List<ChannelDescriptor> channels() {
        return List.of(ChannelDescriptor.builder(CHANNEL).priority(1).sendQueueCapacity(10)
                .recvMessageCapacity(64_000).build());
    }

    @Override
    protected void onStart() {
        if (sw().listenAddress() != null) {
            book.addOurAddress(sw().listenAddress());
        }
        try {
            book.addOurAddress(sw().nodeInfo().netAddress()); // the external address, when one is set
        } catch (RuntimeException e) {
            log.debug("our advertised address does not parse: {}", e.getMessage());
        }
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("p2p4j-pex").factory());
        long period = config.seedMode() ? config.crawlPeriod().toMillis() : config.ensurePeersPeriod().toMillis();
        timer.scheduleWithFixedDelay(new SurvivingTask("peer exchange round", log, this::round), 0, period,
                TimeUnit.MILLISECONDS);
        book.startPeriodicSave(config.bookSavePeriod());
    }

    @Override
    protected void onStop() {
        ScheduledExecutorService current = timer;
        if (current != null) {
            current.shutdownNow();
        }
        try {
            book.close();
        } catch (IOException e) {
            log.warn("saving the address book failed: {}", e.getMessage());
        }
    }

    /** Test hook: runs at the start of every scheduled round. */
    volatile Runnable beforeRound = () -> { };

    private void round() {
        beforeRound.run();
        if (config.seedMode()) {
            crawl();
        } else {
            ensurePeers(true);
        }
    }

    // ---- peers coming and going ------------------------------------------------------------------

    @Override
    public void addPeer(Peer peer) {
        connectedSince.put(peer.id(), System.nanoTime());
        if (peer.isOutbound()) {
            book.markGood(peer.id());
            if (book.needMoreAddresses() && !config.seedMode()) {
                requestAddresses(peer);
            }
        } else {
            try {
                NetAddress self = peer.nodeInfo().netAddress();
                if (self.isValid()) {
                    // credited to the IP it connected from: a claimed address must not pick its own source group
                    book.addAddress(self, sourceOf(peer));
                }
            } catch (RuntimeException e) {
                log.debug("peer {} gave no usable listen address: {}", peer.id(), e.getMessage());
            }
        }
    }

    @Override
    public void removePeer(Peer peer, Throwable reason) {
        requested.remove(peer.id());
        lastRequests.remove(peer.id());
        served.remove(peer.id());
        connectedSince.remove(peer.id());
    }

    private void requestAddresses(Peer peer) {
        if (requested.putIfAbsent(peer.id(), Boolean.TRUE) != null) {
            return; // one request at a time per peer
        }
        if (peer.trySend(CHANNEL, PexMessage.newBuilder().setPexRequest(PexRequest.getDefaultInstance()).build().toByteArray())) {
            requestsSent.increment();
        } else {
            requested.remove(peer.id());
        }
    }

    // ---- messages --------------------------------------------------------------------------------

    /** As CometBFT v0.38 names them in its metrics: {@code p2p_PexRequest} and {@code p2p_PexAddrs}. */
    @Override
    public String messageType(byte channelId, byte[] message) {
        return PexWire.messageType(message);
    }

    @Override
    public void receive(byte channelId, Peer peer, byte[] message) throws Exception {
        PexMessage msg;
        try {
            int addresses = PexWire.countAddresses(message);
            if (addresses > MAX_ADDRESSES) {
                addrsReceived.increment();
                requested.remove(peer.id());
                misbehaved(peer, "sent " + addresses + " addresses in " + message.length
                        + " bytes, more than the maximum of " + MAX_ADDRESSES + " (counted before decoding)");
                return;
            }
            msg = PexWire.decode(message);
        } catch (InvalidProtocolBufferException e) {
            throw new PexException("undecodable PEX message from " + peer.id() + ": " + e.getMessage());
        }
        switch (msg.getSumCase()) {
            case PEX_REQUEST -> onRequest(peer);
            case PEX_ADDRS -> onAddrs(peer, msg.getPexAddrs());
            default -> throw new PexException("unknown PEX message from " + peer.id());
        }
    }

    private void onRequest(Peer peer) {
        requestsReceived.increment();
        if (config.seedMode() && !peer.isOutbound()) {
            if (!served.add(peer.id())) {
                return; // answered once already; the peer is being disconnected
            }
            sendAddrs(peer, book.getSelectionWithBias(30));
            sw().stopPeerGracefully(peer); // after what was queued went out? see below
            return;
        }
        long now = System.nanoTime();
        long[] times = lastRequests.computeIfAbsent(peer.id(), k -> new long[] {0, 0});
        synchronized (times) {
            // the first request passes, the second starts the clock, later ones must keep the interval
            if (times[0] >= 2 && now - times[1] < config.minReceiveRequestInterval().toNanos()) {
                misbehaved(peer, "asked for addresses again after "
                        + Duration.ofNanos(now - times[1]).toMillis() + " ms, less than the minimum of "
                        + config.minReceiveRequestInterval().toMillis() + " ms");
                return;
            }
            times[0]++;
            times[1] = now;
        }
        sendAddrs(peer, book.getSelection());
    }

    private void sendAddrs(Peer peer, List<NetAddress> addresses) {
        PexAddrs.Builder addrs = PexAddrs.newBuilder();
        for (NetAddress a : addresses.subList(0, Math.min(addresses.size(), MAX_ADDRESSES))) {
            addrs.addAddrs(NetAddressProto.newBuilder().setId(a.id().hex()).setIp(a.host()).setPort(a.port()));
        }
        if (peer.send(CHANNEL, PexMessage.newBuilder().setPexAddrs(addrs).build().toByteArray())) {
            addrsSent.increment();
        }
    }

    private void onAddrs(Peer peer, PexAddrs addrs) {
        addrsReceived.increment();
        if (requested.remove(peer.id()) == null) {
            misbehaved(peer, "sent " + addrs.getAddrsCount() + " addresses that were not requested");
            return;
        }
        NetAddress source = sourceOf(peer);
        int added = 0;
        for (NetAddressProto a : addrs.getAddrsList()) {
            NetAddress address = convert(a);
            if (address != null && !address.id().equals(sw().id()) && book.addAddress(address, source)) {
                added++;
            }
        }
        log.debug("peer {} sent {} addresses, {} kept", peer.id(), addrs.getAddrsCount(), added);
        if (config.seeds().stream().anyMatch(s -> s.id().equals(peer.id())) && timer != null) {
            timer.execute(() -> ensurePeers(false)); // fresh addresses from a seed: use them now
        }
    }

    /** A gossiped address, or null if it does not even parse (no name lookup is ever made). */
    private static NetAddress convert(NetAddressProto a) {
        try {
            if (a.getPort() > 65535) {
                return null;
            }
            NetAddress address = new NetAddress(NodeId.parse(a.getId()), a.getIp(), a.getPort());
            return address.ip() == null ? null : address;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The source recorded for what a peer gossips: the IP we are connected to, not the address
     * the peer claims in its NodeInfo (CometBFT takes the claim), so a peer cannot choose the
     * source group that bounds how many buckets its addresses may fill. The advertised port is
     * kept where there is one, since an inbound connection's port is ephemeral.
     */
    static NetAddress sourceOf(Peer peer) {
        NetAddress connected = peer.remoteAddress();
        try {
            NetAddress advertised = peer.nodeInfo().netAddress();
            return new NetAddress(peer.id(), connected.host(), advertised.port());
        } catch (RuntimeException e) {
            return connected;
        }
    }

    private void misbehaved(Peer peer, String what) {
        PexException reason = new PexException("peer " + peer.id() + " " + what);
        peersBanned.increment();
        log.info("{}; banning it for {}", reason.getMessage(), config.banTime());
        book.markBad(peer.remoteAddress(), config.banTime());
        sw().stopPeerForError(peer, reason);
    }

    // ---- ensure peers --------------------------------------------------------------------------------

    /** The outbound peers aimed for: this reactor's setting, or else the switch's. */
    int maxOutboundPeers() {
        return config.maxOutboundPeers() >= 0 ? config.maxOutboundPeers() : sw().config().maxOutboundPeers();
    }

    /**
     * How strongly a dial favours new (unvetted) addresses over old (vetted) ones, in percent:
     * 10 % with no outbound peer, rising by 10 per peer up to 90 % from 8 peers on. As in
     * CometBFT, a node with few peers leans on addresses that have worked before, which an
     * attacker flooding the new buckets cannot displace; once it is well connected it explores.
     * A side of the book with no entries has no weight, so a book of only new addresses is
     * still dialed from.
     */
    static int biasTowardsNew(int outboundPeers) {
        return Math.min(outboundPeers, 8) * 10 + 10;
    }

    /** One round: top up outbound peers, ask for more addresses, fall back to the seeds. */
    void ensurePeers(boolean scheduled) {
        PeerCounts counts = sw().numPeers();
        int numToDial = maxOutboundPeers() - (counts.outbound() + counts.dialing());
        boolean picked = false;
        dialBackoff.retainIf(address -> book.hasAddress(address.id())); // what left the book is no longer dialed
        if (numToDial > 0) {
            int bias = biasTowardsNew(counts.outbound());
            Set<NodeId> taken = new HashSet<>();
            sw().peers().list().forEach(p -> taken.add(p.id()));
            taken.add(sw().id());
            List<NetAddress> toDial = new ArrayList<>();
            for (int i = 0; i < numToDial * 3 && toDial.size() < numToDial; i++) {
                // peers we have or are dialing are left out of the pick: a node with few peers has mostly
                // them in its old buckets, which the bias favours, and would waste its picks on them
                NetAddress address = book.pickAddress(bias, id -> taken.contains(id) || sw().isDialing(id));
                if (address == null) {
                    break;
                }
                taken.add(address.id());
                toDial.add(address);
            }
            picked = !toDial.isEmpty();
            toDial.forEach(this::dialWithBackoff);
        }
        if (book.needMoreAddresses()) {
            book.reinstateBadPeers();
        }
        if (book.needMoreAddresses()) {
            List<Peer> peers = sw().peers().list();
            if (scheduled && !peers.isEmpty()) {
                requestAddresses(peers.get(ThreadLocalRandom.current().nextInt(peers.size())));
            }
            if (!picked && sw().peers().size() == 0) {
                dialSeeds();
            }
        }
    }

    private void dialWithBackoff(NetAddress address) {
        if (!dialBackoff.mayDial(address, System.nanoTime())) {
            return;
        }
        sw().dial(address).whenComplete((peer, error) -> {
            if (error == null) {
                dialBackoff.forget(address);
                return;
            }
            Throwable cause = CompletionCause.of(error);
            if (cause instanceof io.p2p4j.net.HandshakeException h
                    && h.reason() == io.p2p4j.net.HandshakeException.Reason.WRONG_ID) {
                book.removeAddress(address); // someone else answers there: the address is wrong, not slow
                dialBackoff.forget(address);
                return;
            }
            if (cause instanceof io.p2p4j.net.HandshakeException h
                    && h.reason() == io.p2p4j.net.HandshakeException.Reason.SELF) {
                book.addOurAddress(address);
                dialBackoff.forget(address);
                return;
            }
            book.markAttempt(address);
            if (!book.hasAddress(address.id())) {
                dialBackoff.forget(address); // it left the book while being dialed
                return;
            }
            if (dialBackoff.failed(address, System.nanoTime()) > config.maxDialFailures()) {
                book.markBad(address, config.banTime());
                dialBackoff.forget(address);
            }
        });
    }

    private void dialSeeds() {
        List<NetAddress> seeds = new ArrayList<>(config.seeds());
        Collections.shuffle(seeds);
        for (NetAddress seed : seeds) {
            if (seed.id().equals(sw().id()) || sw().peers().has(seed.id()) || sw().isDialing(seed.id())) {
                continue;
            }
            try {
                sw().dial(seed).get(sw().config().dialTimeout().toMillis() + 2 * sw().config().handshakeTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
                return; // one seed is enough
            } catch (Exception e) {
                log.debug("seed {} did not connect: {}", seed, e.getMessage());
            }
        }
    }

    // ---- seed mode ------------------------------------------------------------------------------------

    private void crawl() {
        long now = System.nanoTime();
        for (Peer peer : sw().peers().list()) {
            Long since = connectedSince.get(peer.id());
            if (!peer.isPersistent() && since != null && now - since > config.seedDisconnectWaitPeriod().toNanos()) {
                sw().stopPeerGracefully(peer);
            }
        }
        if (sw().peers().size() == 0 && book.size() == 0) {
            dialSeeds();
        }
        for (NetAddress address : book.getSelection()) {
            Long last = crawled.get(address.hostPort());
            if (last != null && now - last < config.minCrawlInterval().toNanos()) {
                continue;
            }
            crawled.put(address.hostPort(), now);
            if (sw().peers().has(address.id()) || sw().isDialing(address.id())) {
                continue;
            }
            sw().dial(address).whenComplete((peer, error) -> {
                if (error == null) {
                    requestAddresses(peer);
                } else {
                    book.markAttempt(address);
                }
            });
        }
        crawled.values().removeIf(t -> now - t > Duration.ofHours(24).toNanos());
    }

    /** A peer broke the peer-exchange rules. */
    public static final class PexException extends Exception {
        private static final long serialVersionUID = 1L;

        public PexException(String message) {
            super(message);
        }
    }
}
