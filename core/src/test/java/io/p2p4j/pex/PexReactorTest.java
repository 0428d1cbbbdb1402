package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import com.google.protobuf.ByteString;
import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.Switch;
import io.p2p4j.proto.NetAddressProto;
import io.p2p4j.proto.PexAddrs;
import io.p2p4j.proto.PexMessage;
import io.p2p4j.proto.PexRequest;
import io.p2p4j.testing.ConnectedSwitches;
import io.p2p4j.testing.TestSwitches;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Peer exchange between real switches on loopback, and peers that break its rules. */
class PexReactorTest {
    static final Duration PERIOD = Duration.ofMillis(250);
    @TempDir
    Path dir;
    /** The switches of each test, closed after it. */
    @RegisterExtension
    static final TestSwitches switches = new TestSwitches();

    static PexConfig pexConfig() {
        return PexConfig.defaults().withEnsurePeersPeriod(PERIOD).withMaxOutboundPeers(4)
                .withCrawl(PERIOD, Duration.ofMillis(500)).withDialBackoffBase(Duration.ofMillis(20));
    }

    Switch pexNode(NodeKey key, String name, PexConfig config, P2pConfig p2p) {
        AddrBook book = AddrBook.open(dir.resolve(name + "-addrbook.json"), AddrBook.Routability.ANY);
        return switches.start(Switch.builder(key, p2p).network("pex-test").moniker(name)
                .reactor("pex", new PexReactor(book, config)));
    }

    Switch pexNode(String name, PexConfig config) {
        return pexNode(NodeKey.generate(), name, config, ConnectedSwitches.testConfig());
    }

    /** Peers of {@code node} other than {@code seed} (a seed drops its peers after answering). */
    static long peersBesides(Switch node, Switch seed) {
        return node.peers().list().stream().filter(p -> !p.id().equals(seed.id())).count();
    }

    static PexReactor pex(Switch sw) {
        return (PexReactor) sw.reactor("pex");
    }

    @Test
    void twentyNodesKnowingOnlyASeedFindEachOther() {
        Switch seed = pexNode("seed", pexConfig().withSeedMode(true));
        List<Switch> nodes = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            nodes.add(pexNode("node" + i, pexConfig().withSeeds(List.of(seed.listenAddress()))));
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (Switch node : nodes) {
                assertThat(node.numPeers().outbound()).as("outbound peers of %s", node.nodeInfo().moniker())
                        .isGreaterThanOrEqualTo(4);
            }
        });
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (Switch node : nodes) {
                long known = nodes.stream().filter(other -> other != node)
                        .filter(other -> pex(node).book().hasAddress(other.id())).count();
                assertThat(known).as("the others in the book of %s", node.nodeInfo().moniker()).isGreaterThanOrEqualTo(15);
            }
        });
    }

    @Test
    void aRestartedNodeReloadsItsBookAndReconnectsWithoutTheSeed() throws Exception {
        Switch seed = pexNode("seed", pexConfig().withSeedMode(true));
        List<Switch> nodes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            nodes.add(pexNode("node" + i, pexConfig().withSeeds(List.of(seed.listenAddress()))));
        }
        NodeKey key = NodeKey.generate();
        Switch node = pexNode(key, "restarting", pexConfig().withSeeds(List.of(seed.listenAddress())),
                ConnectedSwitches.testConfig());
        // three peers besides the seed in either direction: if the others all dialed it first, the
        // node has nobody left to dial and may never reach three outbound links
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                pex(node).book().size() >= 4 && peersBesides(node, seed) >= 3)
                .as("book %d, peers %s, the others' peers %s", pex(node).book().size(), node.numPeers(),
                        nodes.stream().map(Switch::numPeers).toList())
                .isTrue());
        node.close(); // saves the book; PEX may still move an address from new to old until then
        AddrBook.Counts counts = pex(node).book().counts();
        seed.close();
        Switch again = pexNode(key, "restarting", pexConfig(), ConnectedSwitches.testConfig());
        assertThat(pex(again).book().counts()).isEqualTo(counts);
        // back among its peers from the book alone (no seed); some of them may dial it first, and
        // a simultaneous dial keeps their connection, so not every link is outbound
        await().atMost(Duration.ofSeconds(30)).until(() -> again.numPeers().outbound() >= 1 && again.peers().size() >= 3);
    }

    /** A reactor on channel 0x00 that sends what the test tells it to, whatever the rules say. */
    static final class RogueReactor extends BaseReactor {
        final List<Peer> peers = new CopyOnWriteArrayList<>();
        final List<PexMessage> received = new CopyOnWriteArrayList<>();

        @Override
        public List<ChannelDescriptor> channels() {
            return List.of(ChannelDescriptor.builder(PexReactor.CHANNEL).sendQueueCapacity(10).recvMessageCapacity(64_000).build());
        }

        @Override
        public void addPeer(Peer peer) {
            peers.add(peer);
        }

        @Override
        public void receive(byte channelId, Peer peer, byte[] message) throws Exception {
            received.add(PexMessage.parseFrom(message));
        }

        void send(PexMessage message) {
            peers.get(0).send(PexReactor.CHANNEL, message.toByteArray());
        }
    }

    Switch rogue(RogueReactor reactor) {
        return rogue(reactor, ConnectedSwitches.testConfig());
    }

    Switch rogue(RogueReactor reactor, P2pConfig config) {
        return switches.start(Switch.builder(NodeKey.generate(), config).network("pex-test")
                .reactor("rogue", reactor));
    }

    static PexMessage addrs(List<NetAddress> addresses) {
        PexAddrs.Builder b = PexAddrs.newBuilder();
        for (NetAddress a : addresses) {
            b.addAddrs(NetAddressProto.newBuilder().setId(a.id().hex()).setIp(a.host()).setPort(a.port()));
        }
        return PexMessage.newBuilder().setPexAddrs(b).build();
    }

    static final PexMessage REQUEST = PexMessage.newBuilder().setPexRequest(PexRequest.getDefaultInstance()).build();

    /**
     * Book entries that may get dialed: loopback ports where nothing listens, so a dial fails at
     * once and no traffic ever leaves the machine. They lie in 200 /16s of 127/8, since the book
     * gives one address group no more than 32 buckets.
     */
    static NetAddress unreachableLoopback(int i) {
        return new NetAddress(NodeKey.generate().id(), "127." + (i % 200) + ".0.1", 1 + i);
    }

    /**
     * Fills a book with {@code n} unreachable loopback entries heard from many source groups, so
     * that they spread over many buckets (one source group, or one address group, alone fills
     * only a few).
     */
    static void fillBook(AddrBook book, int n) {
        for (int i = 0; i < n; i++) {
            NetAddress source = new NetAddress(NodeKey.generate().id(), "2." + (i % 250) + ".0.1", 26656);
            assertThat(book.addAddress(unreachableLoopback(i), source)).isTrue();
        }
    }

    /** Addresses that must never be dialed: only ever refused or sent, never stored. */
    static List<NetAddress> someAddresses(int n) {
        List<NetAddress> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new NetAddress(NodeKey.generate().id(), "1." + (i / 250) + "." + (i % 250) + ".1", 26656));
        }
        return out;
    }

    @Test
    void scenario36_unsolicitedAddressesStopAndBanThePeer() throws Exception {
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)));
        RogueReactor rogue = new RogueReactor();
        Switch evil = rogue(rogue);
        evil.dial(node.listenAddress()).get(10, TimeUnit.SECONDS); // inbound at node: it never asks
        await().atMost(Duration.ofSeconds(10)).until(() -> node.peers().has(evil.id()));
        rogue.send(addrs(someAddresses(5)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.peers().has(evil.id()));
        assertThat(pex(node).book().isBanned(evil.id())).isTrue();
        assertThat(pex(node).book().size()).isLessThanOrEqualTo(1); // at most the evil node's own address, now banned
        assertThat(pex(node).book().hasAddress(evil.id())).isFalse();

        // a second answer to one request is unsolicited too: the first is kept, the second is not
        RogueReactor twice = new RogueReactor();
        Switch chatty = rogue(twice);
        node.dial(chatty.listenAddress()).get(10, TimeUnit.SECONDS); // outbound: node asks once
        await().atMost(Duration.ofSeconds(10)).until(() -> twice.received.stream().anyMatch(PexMessage::hasPexRequest));
        List<NetAddress> first = someAddresses(3);
        List<NetAddress> second = List.of(new NetAddress(NodeKey.generate().id(), "3.3.3.3", 26656));
        twice.send(addrs(first));
        twice.send(addrs(second));
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.peers().has(chatty.id()));
        assertThat(pex(node).book().isBanned(chatty.id())).isTrue();
        assertThat(first).allMatch(a -> pex(node).book().hasAddress(a.id()));
        assertThat(pex(node).book().hasAddress(second.get(0).id())).isFalse();
    }

    @Test
    void oversizedAddressListsStopAndBanThePeer() throws Exception {
        RogueReactor rogue = new RogueReactor();
        Switch evil = rogue(rogue);
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)));
        node.dial(evil.listenAddress()).get(10, TimeUnit.SECONDS); // outbound: node asks for addresses
        await().atMost(Duration.ofSeconds(10)).until(() -> rogue.received.stream().anyMatch(PexMessage::hasPexRequest));
        rogue.send(addrs(someAddresses(251)));
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.peers().has(evil.id()));
        assertThat(pex(node).book().isBanned(evil.id())).isTrue();
        assertThat(pex(node).book().size()).isZero();
        assertThat(pex(node).stats()).extracting(PexReactor.Stats::requestsSent, PexReactor.Stats::addrsReceived,
                PexReactor.Stats::peersBanned).containsExactly(1L, 1L, 1L);
    }

    /** A PexAddrs of {@code n} empty addresses: 2 bytes each on the wire. */
    static byte[] emptyAddresses(int n) {
        PexAddrs.Builder b = PexAddrs.newBuilder();
        for (int i = 0; i < n; i++) {
            b.addAddrs(NetAddressProto.getDefaultInstance());
        }
        return PexMessage.newBuilder().setPexAddrs(b).build().toByteArray();
    }

    @Test
    void aFloodOfEmptyAddressesIsCountedOnTheRawBytesAndRefusedBeforeDecoding() throws Exception {
        byte[] flood = emptyAddresses(30_000);
        assertThat(flood.length).isBetween(60_000, 64_000); // fits the PEX channel's 64,000 bytes

        RogueReactor rogue = new RogueReactor();
        Switch evil = rogue(rogue);
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)));
        node.dial(evil.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> rogue.received.stream().anyMatch(PexMessage::hasPexRequest));
        // what refusing costs, measured on this thread: the reactor's own work for a real peer
        Peer peer = node.peers().get(evil.id()).orElseThrow();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        pex(node).receive(PexReactor.CHANNEL, peer, flood);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("refusing %d empty addresses (%d bytes) allocated %d bytes, %.2f x the wire size%n",
                30_000, flood.length, allocated, (double) allocated / flood.length);
        assertThat(allocated).as("bytes allocated to refuse %d bytes", flood.length).isLessThan(10L * flood.length);
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.peers().has(evil.id()));
        assertThat(pex(node).book().isBanned(evil.id())).isTrue();
        assertThat(pex(node).book().size()).isZero();

        // the same list over the wire: the peer is dropped and banned
        RogueReactor another = new RogueReactor();
        Switch second = rogue(another);
        node.dial(second.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> another.received.stream().anyMatch(PexMessage::hasPexRequest));
        another.peers.get(0).send(PexReactor.CHANNEL, flood);
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.peers().has(second.id()));
        assertThat(pex(node).book().isBanned(second.id())).isTrue();
        assertThat(pex(node).stats().peersBanned()).isEqualTo(2);
    }

    @Test
    void theRawCountSeesEveryAddressProtobufWouldMergeAndRefusesMalformedBytes() throws Exception {
        byte[] one = emptyAddresses(200);
        byte[] twice = concat(one, one);
        assertThat(PexMessage.parseFrom(twice).getPexAddrs().getAddrsCount()).isEqualTo(400); // merged
        assertThat(PexWire.countAddresses(twice)).isEqualTo(400);
        assertThat(PexWire.countAddresses(REQUEST.toByteArray())).isZero();
        assertThat(PexWire.countAddresses(addrs(someAddresses(3)).toByteArray())).isEqualTo(3);
        byte[] truncated = java.util.Arrays.copyOf(one, one.length - 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PexWire.countAddresses(truncated))
                .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PexWire.decode(truncated))
                .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
        // decoding gives what protobuf's parser gives, but for unknown fields, which are skipped
        PexMessage listed = addrs(someAddresses(3));
        for (byte[] bytes : List.of(twice, REQUEST.toByteArray(), listed.toByteArray(),
                concat(listed.toByteArray(), REQUEST.toByteArray()), concat(REQUEST.toByteArray(), listed.toByteArray()))) {
            assertThat(PexWire.decode(bytes)).isEqualTo(PexMessage.parseFrom(bytes));
        }
        byte[] unknown = {(byte) 0xf8, 0x07, 0x01, 0x0a, 0x00, 0x12, 0x04, 0x0a, 0x02, 0x20, 0x05};
        assertThat(PexMessage.parseFrom(unknown).getUnknownFields().asMap()).isNotEmpty();
        PexMessage decoded = PexWire.decode(unknown);
        assertThat(decoded.getUnknownFields().asMap()).isEmpty();
        assertThat(decoded.getPexAddrs().getAddrs(0).getUnknownFields().asMap()).isEmpty();
        assertThat(decoded.getPexAddrs().getAddrsCount()).isEqualTo(1);
        // a request padded with 20,000 unknown fields decodes at a cost below its size
        com.google.protobuf.UnknownFieldSet.Builder padding = com.google.protobuf.UnknownFieldSet.newBuilder();
        for (int number = 16; number < 20_016; number++) {
            padding.addField(number, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build());
        }
        byte[] padded = REQUEST.toBuilder().setUnknownFields(padding.build()).build().toByteArray();
        PexWire.decode(padded); // loading classes allocates too, once per JVM
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThat(PexWire.decode(padded).hasPexRequest()).isTrue();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("decoding a request with 20,000 unknown fields (%d bytes) allocated %d bytes%n", padded.length, allocated);
        assertThat(allocated).isLessThan(padded.length);
        // groups nested deeper than any stack: refused as malformed, never a StackOverflowError
        byte[] nested = new byte[60_000];
        java.util.Arrays.fill(nested, (byte) 0x0b);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PexWire.countAddresses(nested))
                .isInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
    }

    @Test
    void messagesAreNamedAsCometBftsMetricsNameThemWithoutAllocating() throws Exception {
        PexReactor pex = new PexReactor(AddrBook.open(dir.resolve("names.json"), AddrBook.Routability.ANY), PexConfig.defaults());
        byte[] request = REQUEST.toByteArray();
        byte[] listed = addrs(someAddresses(3)).toByteArray();
        assertThat(pex.messageType(PexReactor.CHANNEL, request)).isEqualTo("p2p_PexRequest");
        assertThat(pex.messageType(PexReactor.CHANNEL, listed)).isEqualTo("p2p_PexAddrs");
        // the oneof's last field wins, as protobuf decodes it
        assertThat(pex.messageType(PexReactor.CHANNEL, concat(listed, request))).isEqualTo("p2p_PexRequest");
        assertThat(pex.messageType(PexReactor.CHANNEL, concat(request, listed))).isEqualTo("p2p_PexAddrs");
        // unknown fields of each wire type are stepped over: varint, fixed64, fixed32, length-delimited
        byte[] unknowns = {(byte) 0xf8, 0x07, (byte) 0x81, 0x01, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x1d, 1, 2, 3, 4, 0x22, 0x01, 0x00};
        assertThat(pex.messageType(PexReactor.CHANNEL, concat(unknowns, request))).isEqualTo("p2p_PexRequest");
        assertThat(pex.messageType(PexReactor.CHANNEL, concat(request, unknowns))).isEqualTo("p2p_PexRequest");
        // what CometBFT cannot decode, and so does not count, is not named
        assertThat(pex.messageType(PexReactor.CHANNEL, new byte[0])).as("neither field").isNull();
        assertThat(pex.messageType(PexReactor.CHANNEL, unknowns)).as("neither field").isNull();
        assertThat(pex.messageType(PexReactor.CHANNEL, java.util.Arrays.copyOf(listed, listed.length - 1))).isNull();
        assertThat(pex.messageType(PexReactor.CHANNEL, new byte[] {0x08, 0x01})).as("pex_request as a varint").isNull();
        assertThat(pex.messageType(PexReactor.CHANNEL, new byte[] {0x0b, 0x0c})).as("a group").isNull();
        assertThat(pex.messageType(PexReactor.CHANNEL, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}))
                .as("a length past the end").isNull();
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            pex.messageType(PexReactor.CHANNEL, (i & 1) == 0 ? request : listed);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated naming 10,000 messages").isLessThan(10_000);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void dialsLeanOnVettedAddressesWhileThereAreFewPeers() {
        assertThat(PexReactor.biasTowardsNew(0)).isEqualTo(10);
        assertThat(PexReactor.biasTowardsNew(3)).isEqualTo(40);
        assertThat(PexReactor.biasTowardsNew(8)).isEqualTo(90);
        assertThat(PexReactor.biasTowardsNew(40)).isEqualTo(90);
    }

    @Test
    void theOutboundTargetIsTheSwitchsUnlessThePexConfigSetsOne() {
        P2pConfig p2p = ConnectedSwitches.testConfig().withMaxOutboundPeers(3);
        Switch own = pexNode(NodeKey.generate(), "own", PexConfig.defaults().withEnsurePeersPeriod(Duration.ofHours(1)), p2p);
        assertThat(pex(own).maxOutboundPeers()).isEqualTo(3);
        Switch set = pexNode(NodeKey.generate(), "set", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)), p2p);
        assertThat(pex(set).maxOutboundPeers()).isEqualTo(4);
        assertThat(PexConfig.defaults().maxOutboundPeers()).isEqualTo(-1);
    }

    @Test
    void gossipedAddressesAreCreditedToTheConnectionsIpNotTheClaimedOne() throws Exception {
        RogueReactor rogue = new RogueReactor();
        // claims a listen address in another group, to pick the source group its addresses count against
        Switch evil = rogue(rogue, ConnectedSwitches.testConfig().withExternalAddress("9.9.9.9:26656"));
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)).withMaxOutboundPeers(0));
        node.dial(evil.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> rogue.received.stream().anyMatch(PexMessage::hasPexRequest));
        List<NetAddress> gossiped = someAddresses(3);
        rogue.send(addrs(gossiped));
        await().atMost(Duration.ofSeconds(10)).until(() -> gossiped.stream().allMatch(a -> pex(node).book().hasAddress(a.id())));
        assertThat(pex(node).book().snapshot()).filteredOn(k -> gossiped.contains(k.addr))
                .extracting(k -> k.src).containsOnly(new NetAddress(evil.id(), "127.0.0.1", 26656));
    }

    @Test
    void inboundPeersFromOneIpClaimingAddressesAllOverReachOnlyTheirSourceGroupsShare() throws Exception {
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)).withMaxOutboundPeers(0));
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.nio.NioIoHandler.newFactory());
        java.util.Set<io.p2p4j.identity.NodeId> ids = new java.util.HashSet<>();
        try {
            for (int i = 0; i < 200; i++) {
                NodeKey key = NodeKey.generate();
                // from 127.0.0.1, each claiming a listen address in a /16 of its own
                io.p2p4j.identity.NodeInfo claim = io.p2p4j.identity.NodeInfo.of(key.id(), "tcp://" + (20 + i % 100) + "." + i + ".1.1:26656",
                        "pex-test", "1.0", new byte[] {PexReactor.CHANNEL}, "claimer");
                try (io.p2p4j.testkit.HostilePeer peer = io.p2p4j.testkit.HostilePeer.connect(group, node.listenAddress(), key, true)) {
                    peer.sendNodeInfo(claim);
                    await().atMost(Duration.ofSeconds(10)).until(() -> pex(node).book().hasAddress(key.id()));
                }
                ids.add(key.id());
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        java.util.Set<Integer> buckets = AddrBookTest.bucketsOf(pex(node).book(), ids);
        System.out.printf("200 inbound peers from one IP claiming 200 /16s: %d new buckets%n", buckets.size());
        assertThat(buckets).hasSizeLessThanOrEqualTo(AddrBook.NEW_BUCKETS_PER_GROUP);
        assertThat(pex(node).book().snapshot()).filteredOn(k -> ids.contains(k.addr.id()))
                .hasSize(200).allMatch(k -> k.src.host().equals("127.0.0.1") && k.src.port() == 26656);
    }

    @Test
    void scenario37_requestFloodsAndSeedMode() throws Exception {
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)));
        fillBook(pex(node).book(), 1200); // 23 % of it is more than the 250 a reply may carry
        RogueReactor rogue = new RogueReactor();
        Switch evil = rogue(rogue);
        evil.dial(node.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> !rogue.peers.isEmpty());
        rogue.send(REQUEST);
        rogue.send(REQUEST);
        await().atMost(Duration.ofSeconds(10)).until(() -> rogue.received.size() == 2);
        assertThat(rogue.received).allSatisfy(m -> assertThat(m.getPexAddrs().getAddrsCount()).isEqualTo(250));
        rogue.send(REQUEST); // a third within the minimum interval
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.peers().has(evil.id()));
        assertThat(pex(node).book().isBanned(evil.id())).isTrue();
        PexReactor.Stats stats = pex(node).stats();
        assertThat(stats.requestsReceived()).isEqualTo(3);
        assertThat(stats.addrsSent()).isEqualTo(2);
        assertThat(stats.peersBanned()).isEqualTo(1);

        // a seed answers an inbound peer once, then disconnects it; it is not banned for asking
        Switch seed = pexNode("seed", pexConfig().withSeedMode(true).withCrawl(Duration.ofHours(1), Duration.ofHours(1)));
        fillBook(pex(seed).book(), 1200);
        RogueReactor asker = new RogueReactor();
        Switch client = rogue(asker);
        client.dial(seed.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> !asker.peers.isEmpty());
        asker.send(REQUEST);
        asker.send(REQUEST);
        asker.send(REQUEST);
        await().atMost(Duration.ofSeconds(10)).until(() -> !seed.peers().has(client.id()));
        await().atMost(Duration.ofSeconds(10)).until(() -> asker.received.size() == 1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> asker.received.size() == 1);
        assertThat(asker.received.get(0).getPexAddrs().getAddrsCount()).isEqualTo(250);
        assertThat(pex(seed).book().isBanned(client.id())).isFalse();
        assertThat(pex(seed).stats().peersBanned()).isZero();
        assertThat(pex(seed).stats().addrsSent()).isEqualTo(1);
    }

    @Test
    void scenario39_unusableAddressesAreSkippedAndThePeerKept() throws Exception {
        RogueReactor rogue = new RogueReactor();
        Switch evil = rogue(rogue);
        AddrBook strictBook = AddrBook.open(dir.resolve("strict.json"), AddrBook.Routability.STRICT);
        // never dials from the book: its entries are not local
        Switch node = switches.start(Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                .network("pex-test").reactor("pex", new PexReactor(strictBook, pexConfig()
                        .withEnsurePeersPeriod(Duration.ofHours(1)).withMaxOutboundPeers(0))));
        node.dial(evil.listenAddress()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> rogue.received.stream().anyMatch(PexMessage::hasPexRequest));
        PexAddrs.Builder junk = PexAddrs.newBuilder();
        for (String ip : List.of("10.0.0.1", "172.16.0.1", "192.168.0.1", "127.0.0.1", "0.0.0.0", "::1", "fe80::1",
                "224.0.0.1", "unresolvable.example", "1.2.3.4:5", "127.0.0", "1.2.3.4.5", "256.1.1.1")) {
            junk.addAddrs(NetAddressProto.newBuilder().setId(NodeKey.generate().id().hex()).setIp(ip).setPort(26656));
        }
        junk.addAddrs(NetAddressProto.newBuilder().setId(NodeKey.generate().id().hex()).setIp("8.8.4.4").setPort(0));
        junk.addAddrs(NetAddressProto.newBuilder().setId("not-an-id").setIp("8.8.4.4").setPort(26656));
        junk.addAddrs(NetAddressProto.newBuilder().setIp("8.8.4.4").setPort(26656));
        junk.addAddrs(NetAddressProto.newBuilder().setId(node.id().hex()).setIp("8.8.4.5").setPort(26656));
        NetAddress good = new NetAddress(NodeKey.generate().id(), "8.8.8.8", 26656);
        junk.addAddrs(NetAddressProto.newBuilder().setId(good.id().hex()).setIp(good.host()).setPort(good.port()));
        rogue.send(PexMessage.newBuilder().setPexAddrs(junk).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> strictBook.hasAddress(good.id()));
        assertThat(strictBook.size()).isEqualTo(1);
        assertThat(node.peers().has(evil.id())).isTrue();
    }

    @Test
    void scenario42_restartWithAPersistedBook() throws Exception {
        PexConfig config = pexConfig().withMaxOutboundPeers(3);
        Switch seed = pexNode("seed", config.withSeedMode(true));
        List<Switch> others = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // enough nodes that everyone can have 3 outbound peers
            others.add(pexNode("other" + i, config.withSeeds(List.of(seed.listenAddress()))));
        }
        NodeKey key = NodeKey.generate();
        P2pConfig p2p = ConnectedSwitches.testConfig();
        Switch node1 = pexNode(key, "node1", config.withSeeds(List.of(seed.listenAddress())), p2p);
        await().atMost(Duration.ofSeconds(30)).until(() -> peersBesides(node1, seed) >= 3);
        int port = node1.listenAddress().port();
        AddrBook book = pex(node1).book();
        for (int i = 0; i < 16; i++) { // unreachable entries, as a real book has
            NetAddress stale = new NetAddress(NodeKey.generate().id(), "127.0.0.1", 1 + i);
            book.addAddress(stale, stale);
        }
        NetAddress bannedPeer = new NetAddress(NodeKey.generate().id(), "127.0.0.1", 100);
        book.addAddress(bannedPeer, bannedPeer);
        book.markBad(bannedPeer, Duration.ofHours(1));
        node1.close(); // saves the book; PEX may still add an address until then
        AddrBook.Counts counts = book.counts();
        seed.close();

        P2pConfig samePort = p2p.withListen("tcp://127.0.0.1:" + port);
        Switch again = pexNode(key, "node1", config, samePort);
        assertThat(pex(again).book().counts()).isEqualTo(counts);
        assertThat(pex(again).book().isBanned(bannedPeer.id())).isTrue();
        // back among its peers from the book alone (no seed); some of them may dial it first, and
        // a simultaneous dial keeps their connection, so not every link is outbound
        await().atMost(Duration.ofSeconds(15)).until(() -> again.numPeers().outbound() >= 1 && again.peers().size() >= 3);
        again.close();

        // a run with neither book nor seeds: the others find node 1 (they know its address)
        Switch fresh = pexNode(key, "node1-fresh", config, samePort);
        assertThat(pex(fresh).book().size()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> fresh.numPeers().inbound() >= 1);
    }

    @Test
    void aRoundThatThrowsAnErrorDoesNotEndTheSchedule() {
        PexReactor reactor = new PexReactor(AddrBook.open(dir.resolve("addrbook.json"), AddrBook.Routability.ANY), pexConfig());
        AtomicInteger rounds = new AtomicInteger();
        reactor.beforeRound = () -> {
            if (rounds.incrementAndGet() == 1) {
                throw new AssertionError("a round that fails with an Error");
            }
        };
        Switch sw = switches.start(Switch.builder(NodeKey.generate(), ConnectedSwitches.testConfig())
                .network("pex-test").reactor("pex", reactor));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(rounds.get()).isGreaterThanOrEqualTo(3));
    }

    @Test
    void dialFailuresAreForgottenWhenTheirAddressLeavesTheBook() {
        Switch node = pexNode("node", pexConfig().withDialBackoffBase(Duration.ofHours(1)));
        AddrBook book = pex(node).book();
        List<NetAddress> unreachable = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            NetAddress address = unreachableLoopback(i);
            unreachable.add(address);
            assertThat(book.addAddress(address, new NetAddress(NodeKey.generate().id(), "2." + i + ".0.1", 26656))).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> pex(node).dialBackoffs() >= 4);
        unreachable.forEach(book::removeAddress); // as eviction, a ban or a wrong id would
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(pex(node).dialBackoffs())
                .as("dial failures counted for addresses no longer in the book").isZero());
    }

    @Test
    void aNodeWithOneOldPeerDialsAFreshAddressInItsNextRound() throws Exception {
        // its one outbound peer is old (vetted) and the bias of a node with one peer is 80 % towards
        // old: a round that picked among all entries would spend most of its 3 picks on that peer
        Switch peer = pexNode("peer", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)));
        Switch node = pexNode("node", pexConfig().withEnsurePeersPeriod(Duration.ofHours(1)).withMaxOutboundPeers(2));
        AddrBook book = pex(node).book();
        NetAddress source = new NetAddress(NodeKey.generate().id(), "2.0.0.1", 26656);
        node.dial(peer.listenAddress()).get(10, TimeUnit.SECONDS);
        assertThat(book.addAddress(peer.listenAddress(), source)).isTrue();
        book.markGood(peer.id()); // as the PEX reactor does for an outbound peer in the book
        for (int trial = 0; trial < 8; trial++) {
            NetAddress fresh = unreachableLoopback(trial); // a dial fails at once and is counted as an attempt
            assertThat(book.addAddress(fresh, source)).isTrue();
            assertThat(book.counts()).isEqualTo(new AddrBook.Counts(1, 1));
            pex(node).ensurePeers(false);
            int t = trial;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(attempts(book, fresh))
                    .as("trial %d: dials of the fresh address in the round", t).isEqualTo(1));
            book.removeAddress(fresh); // the next trial's round has again one old peer and one fresh address
        }
    }

    private static int attempts(AddrBook book, NetAddress address) {
        return book.snapshot().stream().filter(ka -> ka.addr.id().equals(address.id())).mapToInt(ka -> ka.attempts)
                .findFirst().orElse(-1);
    }
}
