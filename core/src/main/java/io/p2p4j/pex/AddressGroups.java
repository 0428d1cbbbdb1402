package io.p2p4j.pex;

import io.p2p4j.identity.NetAddress;

/**
 * The network group of an address, CometBFT's rule for spreading the book: the /16 for IPv4
 * (also inside IPv4-mapped, RFC 6052, 6to4 and Teredo IPv6), the /32 for IPv6 (the /36 inside
 * he.net's 2001:470::/32), {@code tor:N} for OnionCat, and in strict mode {@code local} or
 * {@code unroutable} for addresses that are not routable.
 */
final class AddressGroups {
    private AddressGroups() {}

    static String group(NetAddress address, boolean strict) {
        byte[] ip = address.ip();
        if (ip == null) {
            return "unroutable";
        }
        if (strict && address.isLocal()) {
            return "local";
        }
        if (strict && !address.isRoutable()) {
            return "unroutable";
        }
        byte[] v4 = embeddedV4(ip);
        if (v4 != null) {
            return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + ".0.0";
        }
        if (prefix(ip, 0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43)) {
            return "tor:" + (ip[6] & 0x0f);
        }
        int bits = prefix(ip, 0x20, 0x01, 0x04, 0x70) ? 36 : 32;
        byte[] masked = new byte[16];
        for (int i = 0; i < 16; i++) {
            int remaining = bits - i * 8;
            if (remaining >= 8) {
                masked[i] = ip[i];
            } else if (remaining > 0) {
                masked[i] = (byte) (ip[i] & (0xff << (8 - remaining)));
            }
        }
        return formatV6(masked);
    }

    /** The IPv4 address in a v4, v4-mapped, RFC 6052, 6to4 or Teredo address; else null. */
    private static byte[] embeddedV4(byte[] ip) {
        if (ip.length == 4) {
            return ip;
        }
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= ip[i] == 0;
        }
        if (mapped && (ip[10] & 0xff) == 0xff && (ip[11] & 0xff) == 0xff) {
            return slice(ip, 12);
        }
        if (prefix(ip, 0x00, 0x64, 0xff, 0x9b) && allZero(ip, 4, 12)) { // RFC 6052
            return slice(ip, 12);
        }
        if (prefix(ip, 0x20, 0x02)) { // RFC 3964 6to4
            return slice(ip, 2);
        }
        if (prefix(ip, 0x20, 0x01, 0x00, 0x00)) { // RFC 4380 Teredo
            byte[] v4 = slice(ip, 12);
            for (int i = 0; i < 4; i++) {
                v4[i] ^= (byte) 0xff;
            }
            return v4;
        }
        return null;
    }

    private static boolean prefix(byte[] ip, int... bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if ((ip[i] & 0xff) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(byte[] ip, int from, int to) {
        for (int i = from; i < to; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] ip, int from) {
        return java.util.Arrays.copyOfRange(ip, from, from + 4);
    }

    /** RFC 5952 text: lower case, longest run of zero groups (two or more) compressed. */
    static String formatV6(byte[] ip) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((ip[2 * i] & 0xff) << 8) | (ip[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength && j - i >= 2) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && !out.toString().endsWith(":")) {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
