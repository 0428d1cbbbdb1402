package io.p2p4j;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP address literals: parsing without any name lookup, and CometBFT's address classes. */
final class IpLiteral {
    private IpLiteral() {}

    /** The 4 or 16 bytes of an IPv4 or IPv6 literal (no brackets, no zone), or null if it is not one. */
    static byte[] parse(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        if (host.indexOf(':') >= 0) {
            if (host.indexOf('%') >= 0 || host.indexOf('[') >= 0) {
                return null;
            }
            try {
                // a string with a colon is only ever parsed as a literal: no lookup happens
                byte[] bytes = InetAddress.getByName(host).getAddress();
                return bytes.length == 4 ? mapped(bytes) : bytes;
            } catch (UnknownHostException | SecurityException e) {
                return null;
            }
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    private static byte[] mapped(byte[] v4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }

    /** The IPv4 bytes of a v4 or v4-mapped v6 address, or null. */
    static byte[] v4(byte[] ip) {
        if (ip.length == 4) {
            return ip;
        }
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return null;
            }
        }
        if (ip[10] != (byte) 0xff || ip[11] != (byte) 0xff) {
            return null;
        }
        return java.util.Arrays.copyOfRange(ip, 12, 16);
    }

    static int u(byte b) {
        return b & 0xff;
    }

    static boolean isUnspecified(byte[] ip) {
        for (byte b : ip) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static boolean isLoopback(byte[] ip) {
        byte[] v4 = v4(ip);
        if (v4 != null) {
            return u(v4[0]) == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[15] == 1;
    }

    static boolean inV4(byte[] ip, int a, int b, int prefixBits) {
        byte[] v4 = v4(ip);
        if (v4 == null) {
            return false;
        }
        int value = (u(v4[0]) << 24) | (u(v4[1]) << 16) | (u(v4[2]) << 8) | u(v4[3]);
        int net = (a << 24) | (b << 16);
        int mask = prefixBits == 0 ? 0 : -1 << (32 - prefixBits);
        return (value & mask) == (net & mask);
    }

    static boolean inV6(byte[] ip, int[] prefix, int prefixBits) {
        if (ip.length != 16 || v4(ip) != null) {
            return false;
        }
        for (int bit = 0; bit < prefixBits; bit++) {
            int byteIndex = bit / 8;
            int expected = byteIndex < prefix.length ? prefix[byteIndex] : 0;
            int mask = 0x80 >>> (bit % 8);
            if ((u(ip[byteIndex]) & mask) != (expected & mask)) {
                return false;
            }
        }
        return true;
    }

    static boolean isRfc1918(byte[] ip) {
        return inV4(ip, 10, 0, 8) || inV4(ip, 172, 16, 12) || inV4(ip, 192, 168, 16);
    }

    static boolean isRfc3927(byte[] ip) {
        return inV4(ip, 169, 254, 16);
    }

    static boolean isRfc3849(byte[] ip) {
        return inV6(ip, new int[] {0x20, 0x01, 0x0d, 0xb8}, 32);
    }

    static boolean isRfc4862(byte[] ip) {
        return inV6(ip, new int[] {0xfe, 0x80}, 64);
    }

    static boolean isRfc4193(byte[] ip) {
        return inV6(ip, new int[] {0xfc}, 7);
    }

    static boolean isRfc4843(byte[] ip) {
        return inV6(ip, new int[] {0x20, 0x01, 0x00, 0x10}, 28);
    }

    static boolean isBroadcast(byte[] ip) {
        byte[] v4 = v4(ip);
        return v4 != null && u(v4[0]) == 255 && u(v4[1]) == 255 && u(v4[2]) == 255 && u(v4[3]) == 255;
    }
}
