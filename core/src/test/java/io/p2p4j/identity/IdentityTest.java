package io.p2p4j.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.p2p4j.testkit.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node ids, node keys and their file, against node-identity-vectors.json. */
class IdentityTest {
    private static final JsonNode VECTORS = Vectors.json("node-identity-vectors.json");
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void nodeIdIsTheTruncatedSha256OfThePublicKey() {
        JsonNode upstream = VECTORS.get("upstream").get(0);
        byte[] pub = Base64.getDecoder().decode(upstream.get("pub_key_base64").asText());
        assertThat(NodeId.fromPublicKey(pub).hex()).isEqualTo(upstream.get("node_id_if_used_as_node_key").asText());
        for (JsonNode node : VECTORS.get("derived")) {
            assertThat(NodeId.fromPublicKey(HEX.parseHex(node.get("pub_hex").asText())).hex())
                    .isEqualTo(node.get("node_id").asText());
        }
    }

    @Test
    void nodeKeyFromSeedMatchesTheVectorsAndSigns() {
        for (JsonNode node : VECTORS.get("derived")) {
            NodeKey key = NodeKey.fromSeed(HEX.parseHex(node.get("seed_hex").asText()));
            assertThat(HEX.formatHex(key.publicKey())).isEqualTo(node.get("pub_hex").asText());
            assertThat(key.id().hex()).isEqualTo(node.get("node_id").asText());
            assertThat(key.toJson()).isEqualTo(node.get("node_key_json_exact").asText());
            byte[] message = "challenge".getBytes(StandardCharsets.UTF_8);
            byte[] sig = key.sign(message);
            assertThat(Ed25519.verify(sig, 0, key.publicKey(), 0, message, 0, message.length)).isTrue();
        }
    }

    @Test
    void upstreamNodeKeyFileLoads(@TempDir Path dir) throws Exception {
        JsonNode upstream = VECTORS.get("upstream").get(0);
        Path file = dir.resolve("node_key.json");
        Files.writeString(file, "{\n  \"priv_key\": {\n    \"type\": \"tendermint/PrivKeyEd25519\",\n    \"value\": \""
                + upstream.get("priv_key_base64").asText() + "\"\n  }\n}\n");
        assertThat(NodeKey.loadOrGenerate(file).id().hex()).isEqualTo(upstream.get("node_id_if_used_as_node_key").asText());
    }

    @Test
    void loadOrGenerateWritesOnceThenReadsTheSameKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config/node_key.json");
        NodeKey first = NodeKey.loadOrGenerate(file);
        String written = Files.readString(file);
        assertThat(written).startsWith("{\"priv_key\":{\"type\":\"tendermint/PrivKeyEd25519\",\"value\":\"").doesNotEndWith("\n");
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
        NodeKey again = NodeKey.loadOrGenerate(file);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(Files.readString(file)).isEqualTo(written);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).hasSize(1); // no temporary file left behind
        }
    }

    @Test
    void malformedKeyFilesAreClearErrorsAndNeverReplaced(@TempDir Path dir) throws Exception {
        String[][] cases = {
                {"not json", "is not valid JSON"},
                {"{}", "has no \"priv_key\" object"},
                {"{\"priv_key\":{\"type\":\"tendermint/PrivKeySecp256k1\",\"value\":\"AA==\"}}", "key type is \"tendermint/PrivKeySecp256k1\""},
                {"{\"priv_key\":{\"type\":\"tendermint/PrivKeyEd25519\",\"value\":\"***\"}}", "is not base64"},
                {"{\"priv_key\":{\"type\":\"tendermint/PrivKeyEd25519\",\"value\":\"AAAA\"}}", "holds 3 bytes, expected 64"},
                {"{\"priv_key\":{\"type\":\"tendermint/PrivKeyEd25519\",\"value\":\""
                        + Base64.getEncoder().encodeToString(new byte[64]) + "\"}}", "does not match its seed"},
        };
        for (String[] c : cases) {
            Path file = dir.resolve("node_key.json");
            Files.writeString(file, c[0]);
            assertThatThrownBy(() -> NodeKey.loadOrGenerate(file))
                    .isInstanceOf(NodeKeyException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining(c[1]);
            assertThat(Files.readString(file)).isEqualTo(c[0]);
        }
    }

    @Test
    void addressSyntaxFollowsCometBft() {
        for (JsonNode c : VECTORS.get("address_syntax").get("cases")) {
            String input = c.get("input").asText();
            if (c.get("ok").asBoolean()) {
                assertThat(NetAddress.parse(input).toString()).as(input).isEqualTo(c.get("string").asText());
            } else {
                assertThatThrownBy(() -> NetAddress.parse(input)).as(input).isInstanceOf(InvalidAddressException.class);
            }
        }
        NetAddress v6 = NetAddress.parse("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef@[2a01:4f8::1]:26656");
        assertThat(v6.host()).isEqualTo("2a01:4f8::1");
        assertThat(v6.toString()).isEqualTo("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef@[2a01:4f8::1]:26656");
        assertThatThrownBy(() -> NetAddress.parse("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef@127.0.0.1:65536"))
                .hasMessageContaining("port 65536 out of range");
        assertThatThrownBy(() -> NetAddress.parse("deadbeef@127.0.0.1:1"))
                .hasMessageContaining("node id must be 40 hex characters");
    }

    @Test
    void dottedNumbersThatAreNoIpv4AddressAreRefusedAndHostNamesStillParse() {
        String id = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
        NodeId nodeId = new NodeId(id);
        for (String host : List.of("127.0.0", "1.2.3.4.5", "256.1.1.1", "1.2.3.04444", "12345", "example.123")) {
            assertThatThrownBy(() -> NetAddress.parse(id + "@" + host + ":80")).as(host)
                    .isInstanceOf(InvalidAddressException.class)
                    .hasMessageContaining("\"" + host + "\" is not an IP address, and not a host name")
                    .hasMessageContaining("is all digits");
            assertThatThrownBy(() -> NetAddress.fromHostPort(nodeId, "tcp://" + host + ":80")).as(host)
                    .isInstanceOf(InvalidAddressException.class);
        }
        for (String host : List.of("localhost", "node-1.example.com", "3com.com", "a.b1", "1.2.3.x", "xn--bcher-kva.example")) {
            assertThat(NetAddress.parse(id + "@" + host + ":80").host()).as(host).isEqualTo(host);
            assertThat(NetAddress.fromHostPort(nodeId, host + ":80").host()).as(host).isEqualTo(host);
        }
    }

    @Test
    void routabilityFollowsCometBft() {
        NodeId id = new NodeId("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");
        // where p2p4j is deliberately stricter (docs/protocol-notes.md): documentation ranges
        Set<String> stricter = Set.of("203.0.113.7");
        for (JsonNode c : VECTORS.get("routability_derived").get("cases")) {
            String ip = c.get("ip").asText();
            NetAddress address = new NetAddress(id, ip, 26656);
            assertThat(address.isValid()).as("valid %s", address).isEqualTo(c.get("valid").asBoolean());
            if (c.has("local")) {
                assertThat(address.isLocal()).as("local %s", address).isEqualTo(c.get("local").asBoolean());
                assertThat(address.isRoutable()).as("routable %s", address)
                        .isEqualTo(c.get("routable").asBoolean() && !stricter.contains(ip));
            }
        }
        assertThat(new NetAddress(id, "example.com", 1).isValid()).isFalse();
    }

    @Test
    void specialPurposeRangesAreNotRoutable() {
        NodeId id = new NodeId("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");
        for (String ip : List.of("192.0.2.1", "198.51.100.255", "203.0.113.0", "100.64.0.1", "100.127.255.254",
                "198.18.0.1", "198.19.255.255", "240.0.0.1", "254.1.2.3", "224.0.0.1", "ff02::1", "100::1", "2001:2::1")) {
            assertThat(new NetAddress(id, ip, 26656).isRoutable()).as(ip).isFalse();
        }
        for (String ip : List.of("192.0.3.1", "198.51.101.1", "203.0.112.255", "100.63.255.255", "100.128.0.1",
                "198.17.255.255", "198.20.0.1", "223.255.255.254", "2001:3::1", "101::1")) {
            assertThat(new NetAddress(id, ip, 26656).isRoutable()).as(ip).isTrue();
        }
    }
}
