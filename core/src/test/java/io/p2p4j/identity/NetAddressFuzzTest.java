package io.p2p4j.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: {@link NetAddress#parse} and {@link NetAddress#fromHostPort} on any text (the
 * input's bytes as UTF-8). Parsing ends in an address or an {@link InvalidAddressException},
 * nothing else; an address that parses is whole (id, non-empty host, port in range), prints to
 * a form that parses back to the same address, and can be classified without failing.
 */
class NetAddressFuzzTest {
    private static final NodeId ID = NodeKey.fromSeed(new byte[32]).id();

    @FuzzTest
    @Timeout(10)
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        NetAddress address;
        try {
            address = NetAddress.parse(text);
        } catch (InvalidAddressException e) {
            address = null;
        }
        if (address != null) {
            checkWhole(address);
        }
        NetAddress listen;
        try {
            listen = NetAddress.fromHostPort(ID, text);
        } catch (InvalidAddressException e) {
            return;
        }
        checkWhole(listen);
    }

    private static void checkWhole(NetAddress address) {
        assertThat(address.id()).isNotNull();
        assertThat(address.host()).isNotEmpty();
        assertThat(address.port()).isBetween(0, 65535);
        assertThat(NetAddress.parse(address.toString())).as("printed form parses back").isEqualTo(address);
        byte[] ip = address.ip();
        assertThat(ip == null || ip.length == 4 || ip.length == 16).isTrue();
        if (address.isRoutable()) {
            assertThat(address.isValid()).isTrue();
            assertThat(address.isLocal()).isFalse();
        }
    }
}
