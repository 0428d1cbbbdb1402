package io.p2p4j.pex;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.p2p4j.BaseReactor;
import io.p2p4j.conn.ChannelDescriptor;
import io.p2p4j.identity.NetAddress;
import io.p2p4j.identity.NodeId;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.P2pConfig;
import io.p2p4j.Peer;
import io.p2p4j.PeerStatus;
import io.p2p4j.ReactorAttachment;
import io.p2p4j.Switch;
import io.p2p4j.pex.PexReactor.PexException;
import io.p2p4j.proto.NetAddressProto;
import io.p2p4j.proto.PexAddrs;
import io.p2p4j.proto.PexMessage;
import io.p2p4j.proto.PexRequest;
import io.p2p4j.testkit.FuzzScript;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: PEX messages from fake peers into a {@link PexReactor} with a fresh book. The
 * script adds inbound and outbound peers, has them send raw bytes, requests, or address lists of
 * its making (up to 299 addresses, IPv4 and IPv6, any ids and ports), and removes them. After
 * every message the peer is either kept, or stopped with a reason (the receive fails with a
 * {@link PexException}, or the reactor bans it), exactly as the protocol rules say: unrequested
 * lists, lists over 250 and a third request in a row are bans, undecodable bytes a PexException,
 * anything else is kept. The book keeps its invariants and never passes its capacity, and every
 * answer the reactor sends decodes and lists at most 250 addresses.
 */
class PexReactorFuzzTest {
    private static final int CAPACITY = (AddrBook.NEW_BUCKETS + AddrBook.OLD_BUCKETS) * AddrBook.BUCKET_SIZE;
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    private static final int MAX_OPERATIONS = 64;
    /**
     * The switch the reactors find through {@code sw()}: built once, never started, holding a
     * reactor that only claims the PEX channel (a switch needs one with a channel).
     */
    private static final Switch SWITCH = Switch.builder(NodeKey.fromSeed(new byte[32]), P2pConfig.defaults())
            .network("testing").reactor("pex", new BaseReactor() {
                @Override
                public List<ChannelDescriptor> channels() {
                    return List.of(ChannelDescriptor.builder(PexReactor.CHANNEL).build());
                }

                @Override
                public void receive(byte channelId, Peer peer, byte[] message) { }
            }).build();

    @AfterAll
    static void closeSwitch() {
        SWITCH.close();
    }

    /** A peer that records what the reactor sends it. */
    private static final class FakePeer implements Peer {
        final NodeId id;
        final NetAddress address;
        final boolean outbound;
        final List<PexMessage> sent = new CopyOnWriteArrayList<>();
        final Map<String, Object> data = new ConcurrentHashMap<>();
        boolean requestPending;
        int requestsMade;
        boolean stopped;

        FakePeer(int index, String ip, boolean outbound) {
            this.id = new NodeId(String.format("%040x", index + 1));
            this.address = new NetAddress(id, ip, 26656);
            this.outbound = outbound;
        }

        @Override public NodeId id() { return id; }
        @Override public NodeInfo nodeInfo() {
            return NodeInfo.of(id, "tcp://" + address.hostPort(), "testing", "1", new byte[] {0}, "fake");
        }
        @Override public NetAddress remoteAddress() { return address; }
        @Override public boolean isOutbound() { return outbound; }
        @Override public boolean isPersistent() { return false; }
        @Override public boolean isRunning() { return !stopped; }
        @Override public boolean send(byte channelId, byte[] message) { return trySend(channelId, message); }
        @Override public boolean trySend(byte channelId, byte[] message) {
            assertThat(channelId).isEqualTo(PexReactor.CHANNEL);
            try {
                PexMessage msg = PexMessage.parseFrom(message);
                assertThat(msg.getPexAddrs().getAddrsCount()).isLessThanOrEqualTo(PexReactor.MAX_ADDRESSES);
                sent.add(msg);
            } catch (InvalidProtocolBufferException e) {
                throw new AssertionError("the reactor sent undecodable bytes", e);
            }
            return true;
        }
        @SuppressWarnings("unchecked")
        @Override public <T> T get(String key) { return (T) data.get(key); }
        @Override public void set(String key, Object value) {
            if (value == null) {
                data.remove(key);
            } else {
                data.put(key, value);
            }
        }
        @Override public PeerStatus status() { return null; }
    }

    @FuzzTest
    @Timeout(20)
    void receive(byte[] input) throws Exception {
        FuzzScript script = new FuzzScript(input);
        AddrBook book = AddrBook.open(Path.of("never-saved.json"), AddrBook.Routability.values()[script.pick(2)], CLOCK);
        PexReactor reactor = new PexReactor(book, PexConfig.defaults());
        ReactorAttachment.attach(reactor, SWITCH);
        List<FakePeer> peers = new ArrayList<>();
        for (int op = 0; op < MAX_OPERATIONS && script.hasMore(); op++) {
            int kind = script.pick(5);
            if (kind == 0 || peers.isEmpty()) {
                FakePeer peer = new FakePeer(peers.size(), ipv4(script.i32()), script.pick(2) == 0);
                peers.add(peer);
                reactor.addPeer(peer);
                peer.requestPending = peer.sent.stream().anyMatch(PexMessage::hasPexRequest);
                continue;
            }
            FakePeer peer = peers.get(script.pick(peers.size()));
            if (peer.stopped) {
                continue;
            }
            switch (kind) {
                case 1 -> deliver(reactor, book, peer, script.chunk(true));
                case 2 -> deliver(reactor, book, peer, addresses(script).toByteArray());
                case 3 -> deliver(reactor, book, peer,
                        PexMessage.newBuilder().setPexRequest(PexRequest.getDefaultInstance()).build().toByteArray());
                default -> stop(reactor, peer, null);
            }
            assertThat(book.checkInvariants()).isEmpty();
            assertThat(book.size()).isLessThanOrEqualTo(CAPACITY);
        }
        for (FakePeer peer : peers) {
            if (!peer.stopped) {
                stop(reactor, peer, null);
            }
        }
    }

    /** One message from a peer; checks the reactor kept or stopped it as the rules say. */
    private static void deliver(PexReactor reactor, AddrBook book, FakePeer peer, byte[] message) throws Exception {
        Expectation expected = expect(peer, message);
        long bansBefore = reactor.stats().peersBanned();
        int sentBefore = peer.sent.size();
        PexException failure = null;
        try {
            reactor.receive(PexReactor.CHANNEL, peer, message);
        } catch (PexException e) {
            failure = e;
        }
        boolean banned = reactor.stats().peersBanned() > bansBefore;
        assertThat(failure != null).as("refused as undecodable: %s", failure).isEqualTo(expected == Expectation.ERROR);
        assertThat(banned).as("banned").isEqualTo(expected == Expectation.BAN);
        if (banned) {
            assertThat(book.isBanned(peer.id)).isTrue();
        }
        if (expected == Expectation.ANSWER) {
            assertThat(peer.sent.size()).as("an answer to the request").isEqualTo(sentBefore + 1);
            assertThat(peer.sent.get(sentBefore).hasPexAddrs()).isTrue();
        }
        if (failure != null || banned) {
            stop(reactor, peer, failure);
        }
    }

    private enum Expectation { KEEP, ANSWER, BAN, ERROR }

    /** The protocol's verdict on a message, and the peer's request state after it. */
    private static Expectation expect(FakePeer peer, byte[] message) {
        PexMessage msg;
        try {
            msg = PexMessage.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            return Expectation.ERROR;
        }
        switch (msg.getSumCase()) {
            case PEX_REQUEST -> {
                // the first request passes and the second starts the clock; a third within the
                // minimum interval (10 s by default, far more than one input takes) is a ban
                return ++peer.requestsMade <= 2 ? Expectation.ANSWER : Expectation.BAN;
            }
            case PEX_ADDRS -> {
                boolean wasRequested = peer.requestPending;
                peer.requestPending = false;
                return wasRequested && msg.getPexAddrs().getAddrsCount() <= PexReactor.MAX_ADDRESSES
                        ? Expectation.KEEP : Expectation.BAN;
            }
            default -> {
                return Expectation.ERROR;
            }
        }
    }

    /** What the switch does with a stopped peer: the reactor hears of it, nothing more comes. */
    private static void stop(PexReactor reactor, FakePeer peer, Throwable reason) {
        peer.stopped = true;
        reactor.removePeer(peer, reason);
    }

    /** An address list: a count (0 to 299), a base address, then per address a kind and a port. */
    private static PexMessage addresses(FuzzScript script) {
        int count = script.u16() % 300;
        int base = script.i32();
        int salt = script.u16();
        PexAddrs.Builder addrs = PexAddrs.newBuilder();
        for (int i = 0; i < count; i++) {
            int kind = script.pick(8);
            String ip = switch (kind) {
                case 0 -> "2001:4860:" + Integer.toHexString(salt) + "::" + Integer.toHexString(i);
                case 1 -> "not-an-ip";
                default -> ipv4(base + i * (kind * 65_537));
            };
            String id = kind == 2 ? "zz" : String.format("%040x", (long) salt << 20 | i);
            addrs.addAddrs(NetAddressProto.newBuilder().setId(id).setIp(ip).setPort(kind == 3 ? 70_000 : 1 + i));
        }
        return PexMessage.newBuilder().setPexAddrs(addrs).build();
    }

    private static String ipv4(int bits) {
        return (bits >>> 24) + "." + (bits >>> 16 & 0xff) + "." + (bits >>> 8 & 0xff) + "." + (bits & 0xff);
    }
}
