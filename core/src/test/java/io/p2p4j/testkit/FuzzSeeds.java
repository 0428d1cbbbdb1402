package io.p2p4j.testkit;

import io.p2p4j.transport.NodeInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import io.p2p4j.identity.NodeInfo;
import io.p2p4j.identity.NodeKey;
import io.p2p4j.crypto.FrameCipher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Writes the seed inputs of the fuzz targets (the committed files under
 * {@code src/test/resources/io/p2p4j/.../<Target>Inputs/<method>/seed-*}), so that each seed says
 * how it was made. Seeds are a few valid inputs built from the golden vectors and the targets'
 * script formats; the fuzzer mutates from there. Run from the core module:
 * {@code java -cp <test class path> io.p2p4j.testkit.FuzzSeeds [src/test/resources]}.
 */
public final class FuzzSeeds {
    private static final HexFormat HEX = HexFormat.of();
    private static final JsonNode HANDSHAKE = Vectors.json("secret-connection-handshake.json");
    private final Path root;

    private FuzzSeeds(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        FuzzSeeds seeds = new FuzzSeeds(Path.of(args.length > 0 ? args[0] : "src/test/resources"));
        seeds.inbound();
        seeds.pair();
        seeds.frames();
        seeds.handshake();
        seeds.nodeInfo();
        seeds.pex();
        seeds.addrBook();
        seeds.nodeKey();
        seeds.netAddress();
    }

    private void write(String target, String method, String name, byte[] content) throws IOException {
        String[] parts = target.split("\\.");
        Path dir = root;
        for (int i = 0; i < parts.length - 1; i++) {
            dir = dir.resolve(parts[i]);
        }
        dir = dir.resolve(parts[parts.length - 1] + "Inputs").resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve("seed-" + name), content);
    }

    /** Concatenates byte arrays and single bytes (ints). */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof byte[] b) {
                out.writeBytes(b);
            } else if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7fL) != 0) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    private static byte[] u16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }

    private static byte[] i32(int value) {
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    /** A delimited {@code Packet{packet_msg{channel_id, eof, data}}}, written field by field. */
    private static byte[] packetMsg(int channel, boolean eof, byte[] data) {
        byte[] msg = bytes(channel != 0 ? bytes(0x08, varint(channel)) : new byte[0], eof ? bytes(0x10, 1) : new byte[0],
                data.length > 0 ? bytes(0x1a, varint(data.length), data) : new byte[0]);
        byte[] packet = bytes(0x1a, varint(msg.length), msg);
        return bytes(varint(packet.length), packet);
    }

    private static byte[] filled(int size, int value) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private void inbound() throws IOException {
        String t = "io.p2p4j.conn.MConnectionInboundFuzzTest";
        byte[] ping = HEX.parseHex("020a00");
        byte[] pong = HEX.parseHex("021200");
        byte[] pexRequest = HEX.parseHex("081a0610011a020a00");
        write(t, "inboundBytes", "ping-pong-pex-request", bytes(0, ping, pong, pexRequest));
        write(t, "inboundBytes", "two-packet-message-in-3-byte-reads", bytes(3,
                packetMsg(0x20, false, filled(1024, 7)), packetMsg(0x20, true, filled(900, 8)), ping));
        write(t, "inboundBytes", "two-byte-channel-id", bytes(1, packetMsg(0xC0, true, "abc".getBytes())));
        write(t, "inboundBytes", "message-over-capacity", bytes(0,
                packetMsg(0, false, filled(60, 1)), packetMsg(0, true, filled(60, 2))));
        write(t, "inboundBytes", "prefix-over-maximum", bytes(0, varint(1035), 0x1a));
        write(t, "inboundBytes", "unknown-channel", bytes(0, packetMsg(0x55, true, "x".getBytes())));
    }

    private void pair() throws IOException {
        String t = "io.p2p4j.conn.MConnectionPairFuzzTest";
        // channels 0x20 (priority 5, queue 4), 0x21 (priority 10, queue 1), 0xC0 (priority 1, queue 8)
        byte[] header = bytes(2, 0x20, 4, 3, 0x21, 9, 0, 0xC0, 0, 7);
        byte[] ops = bytes(
                0, 0, 0, u16(3000), // A sends 3,000 bytes on 0x20
                0, 1, 1, u16(100), // B sends 100 bytes on 0x21
                0, 0, 2, u16(0), // A sends an empty message on 0xC0
                2, 0, // A's event loop runs
                1, 0, u16(500), // 500 bytes of A's go to B
                3, 1, 50, // B's clock moves 5 ms
                1, 1, u16(7), // 7 bytes of B's go to A
                0, 0, 0, u16(4096), // A sends 4,096 bytes on 0x20
                2, 1, 1, 0, u16(4096));
        write(t, "twoWayTraffic", "three-channels-payload-1024", bytes(header, 0, 0, 1, ops));
        write(t, "twoWayTraffic", "three-channels-payload-2", bytes(header, 1, 1, 0, ops));
        write(t, "twoWayTraffic", "one-channel-payload-10", bytes(0, 0x40, 0, 0, 2, 0, 0,
                0, 0, 0, u16(95), 0, 1, 0, u16(1), 1, 0, u16(1), 1, 0, u16(1), 2, 0, 1, 0, u16(200)));
    }

    private static byte[] sealed(FrameCipher cipher, long lengthField, byte[] data) throws Exception {
        byte[] plain = new byte[FrameCipher.PLAIN_SIZE];
        for (int i = 0; i < 4; i++) {
            plain[i] = (byte) (lengthField >>> (8 * i));
        }
        System.arraycopy(data, 0, plain, 4, data.length);
        byte[] out = new byte[FrameCipher.SEALED_SIZE];
        cipher.seal(plain, 0, out, 0);
        return out;
    }

    private void frames() throws Exception {
        String t = "io.p2p4j.secret.FrameOpenerFuzzTest";
        byte[] hello = "hello".getBytes();
        write(t, "openFrames", "sealer-then-own-frame", bytes(2, u16(5), hello, 3, 1, 0, u16(5), u16(5), hello, 3));
        write(t, "openFrames", "length-field-1025", bytes(1, 1, i32(1025), u16(3), "abc", 3));
        write(t, "openFrames", "two-frames-of-1024-then-flip", bytes(2, u16(2048), filled(2048, 9), 3, 4, u16(1500), 1));
        write(t, "openFrames", "raw-frame", bytes(0, u16(FrameCipher.SEALED_SIZE), filled(FrameCipher.SEALED_SIZE, 0)));
    }

    private void handshake() throws Exception {
        String t = "io.p2p4j.secret.SecretConnectionHandshakeFuzzTest";
        byte[] authPlain = HEX.parseHex(HANDSHAKE.get("A").get("auth_sig_message_delimited_hex").asText());
        write(t, "handshake", "honest-then-data", bytes(0, 0, 0, 1, 0, u16(5), "hello"));
        write(t, "handshake", "honest-in-7-byte-reads", bytes(7, 0, 0, 0));
        write(t, "handshake", "ephemeral-bit-flipped", bytes(0, 1, 0, u16(10), 4, 0, 0));
        write(t, "handshake", "auth-as-own-plaintext", bytes(0, 0, 4, 0, 1, authPlain.length, authPlain.length, authPlain, 0));
        write(t, "handshake", "auth-truncated", bytes(0, 0, 2, u16(500)));
        write(t, "handshake", "closed-at-once", bytes(0, 5));
        write(t, "handshake", "own-bytes-instead-of-key", bytes(0, 3, u16(20), filled(20, 0x22), 5));
        write(t, "handshake", "part-of-auth-then-timeout", bytes(0, 0, 3, u16(10), filled(10, 0x5a), 0));
    }

    private void nodeInfo() throws IOException {
        String t = "io.p2p4j.NodeInfoFuzzTest";
        JsonNode wire = Vectors.json("protobuf-wire-vectors.json").get("derived");
        byte[] full = HEX.parseHex(Vectors.named(wire, "DefaultNodeInfo (what a default").get("bytes_hex").asText());
        write(t, "decodeAndValidate", "cometbft-full-node", Arrays.copyOfRange(full, 2, full.length)); // prefix 8e01
        write(t, "decodeAndValidate", "cometbft-minimal",
                HEX.parseHex(Vectors.named(wire, "DefaultNodeInfo minimal").get("bytes_hex").asText()));
        NodeInfo ours = NodeInfo.of(NodeKey.fromSeed(new byte[32]).id(), "tcp://[::1]:26656", "testing",
                NodeInfo.DEFAULT_VERSION, new byte[] {0x00, 0x20, 0x30}, "p2p4j");
        write(t, "decodeAndValidate", "p2p4j", NodeInfoProto.toProto(ours).toByteArray());
    }

    private void pex() throws IOException {
        String t = "io.p2p4j.pex.PexReactorFuzzTest";
        byte[] outboundPeer = bytes(0, i32(0x08080808), 0);
        byte[] inboundPeer = bytes(0, i32(0x01020304), 1);
        byte[] tenAddresses = bytes(2, 0, u16(10), i32(0x05060708), u16(77), filled(10, 4));
        write(t, "receive", "requested-list", bytes(1, outboundPeer, tenAddresses));
        write(t, "receive", "unrequested-list", bytes(0, inboundPeer, tenAddresses));
        write(t, "receive", "three-requests", bytes(1, inboundPeer, 3, 0, 3, 0, 3, 0));
        byte[] upstream = HEX.parseHex("12130a110a013112093132372e302e302e31188247");
        write(t, "receive", "cometbft-vector-as-bytes", bytes(1, outboundPeer, 1, 0, u16(upstream.length), upstream));
        write(t, "receive", "list-over-250", bytes(1, outboundPeer, 2, 0, u16(251), i32(0x0a000001), u16(1),
                filled(251, 6)));
    }

    private void addrBook() throws IOException {
        String t = "io.p2p4j.pex.AddrBookFileFuzzTest";
        byte[] example;
        try (var in = FuzzSeeds.class.getResourceAsStream("/vectors/addrbook-example.json")) {
            example = in.readAllBytes();
        }
        write(t, "open", "example", example);
        write(t, "open", "empty-book", "{\"key\":\"0123456789abcdef01234567\",\"addrs\":[]}".getBytes());
        write(t, "open", "not-json", "{\"key\":".getBytes());
    }

    private void nodeKey() throws IOException {
        String t = "io.p2p4j.NodeKeyFuzzTest";
        write(t, "load", "valid", NodeKey.fromSeed(new byte[32]).toJson().getBytes(StandardCharsets.UTF_8));
        write(t, "load", "wrong-type", "{\"priv_key\":{\"type\":\"tendermint/PrivKeySecp256k1\",\"value\":\"AA==\"}}".getBytes());
    }

    private void netAddress() throws IOException {
        String t = "io.p2p4j.NetAddressFuzzTest";
        String id = NodeKey.fromSeed(new byte[32]).id().hex();
        write(t, "parse", "ipv4-with-scheme", ("tcp://" + id + "@203.0.113.7:26656").getBytes());
        write(t, "parse", "ipv6", (id + "@[2001:4860::8888]:80").getBytes());
        write(t, "parse", "host-name", (id + "@seed.example.com:26656").getBytes());
        write(t, "parse", "host-port-only", "127.0.0.1:26656".getBytes());
    }
}
