package io.p2p4j.identity;


/** IP address literals: parsing by hand (never a name lookup), and CometBFT's address classes. */
final class IpLiteral {
    private IpLiteral() {}

    /** The 4 or 16 bytes of an IPv4 or IPv6 literal (no brackets, no zone), or null if it is not one. */
    static byte[] parse(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        if (host.indexOf(':') >= 0) {
            return parseV6(host);
        }
        return parseV4(host);
    }

    /** Parses dotted-quad IPv4 text strictly (four decimal parts, 0-255); null otherwise. */
    static byte[] parseV4(String host) {
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

    /**
     * Parses IPv6 text strictly, by hand (never a name lookup): up to eight groups of 1-4 hex
     * digits, at most one "::", optionally ending in a dotted IPv4 address. Null otherwise.
     */
    static byte[] parseV6(String text) {
        if (text.length() > 45 || text.indexOf('%') >= 0) {
            return null;
        }
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return null;
        }
        String head = doubleColon >= 0 ? text.substring(0, doubleColon) : text;
        String tail = doubleColon >= 0 ? text.substring(doubleColon + 2) : "";
        java.util.List<Integer> front = groups(head);
        java.util.List<Integer> back = groups(tail);
        if (front == null || back == null) {
            return null;
        }
        int total = front.size() + back.size();
        if (doubleColon < 0 ? total != 8 : total > 7) {
            return null;
        }
        byte[] out = new byte[16];
        int i = 0;
        for (int g : front) {
            out[i++] = (byte) (g >>> 8);
            out[i++] = (byte) g;
        }
        i = 16 - 2 * back.size();
        for (int g : back) {
            out[i++] = (byte) (g >>> 8);
            out[i++] = (byte) g;
        }
        return out;
    }

    /** The 16-bit groups of a colon-separated part; a dotted IPv4 at the end counts as two. */
    private static java.util.List<Integer> groups(String part) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        String[] pieces = part.split(":", -1);
        for (int k = 0; k < pieces.length; k++) {
            String piece = pieces[k];
            if (k == pieces.length - 1 && piece.indexOf('.') >= 0) {
                byte[] v4 = parseV4(piece);
                if (v4 == null) {
                    return null;
                }
                out.add(((v4[0] & 0xff) << 8) | (v4[1] & 0xff));
                out.add(((v4[2] & 0xff) << 8) | (v4[3] & 0xff));
                continue;
            }
            if (piece.isEmpty() || piece.length() > 4) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < piece.length(); j++) {
                int digit = Character.digit(piece.charAt(j), 16);
                if (digit < 0) {
                    return null;
                }
                value = value * 16 + digit;
            }
            out.add(value);
        }
        return out;
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
        return inV4(ip, a, b, 0, prefixBits);
    }

    static boolean inV4(byte[] ip, int a, int b, int c, int prefixBits) {
        byte[] v4 = v4(ip);
        if (v4 == null) {
            return false;
        }
        int value = (u(v4[0]) << 24) | (u(v4[1]) << 16) | (u(v4[2]) << 8) | u(v4[3]);
        int net = (a << 24) | (b << 16) | (c << 8);
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

    /**
     * Ranges no peer can be reached at that CometBFT still counts as routable: IPv4 documentation
     * (RFC 5737), shared carrier-grade NAT space (RFC 6598), benchmarking (RFC 2544) and the
     * reserved 240.0.0.0/4; IPv6 discard (RFC 6666) and benchmarking (RFC 5180).
     */
    static boolean isSpecialPurpose(byte[] ip) {
        return inV4(ip, 192, 0, 2, 24) || inV4(ip, 198, 51, 100, 24) || inV4(ip, 203, 0, 113, 24)
                || inV4(ip, 100, 64, 10) || inV4(ip, 198, 18, 15) || inV4(ip, 240, 0, 4)
                || inV6(ip, new int[] {0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64)
                || inV6(ip, new int[] {0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48);
    }

    static boolean isMulticast(byte[] ip) {
        byte[] v4 = v4(ip);
        if (v4 != null) {
            return (u(v4[0]) & 0xf0) == 0xe0;
        }
        return u(ip[0]) == 0xff;
    }

    static boolean isBroadcast(byte[] ip) {
        byte[] v4 = v4(ip);
        return v4 != null && u(v4[0]) == 255 && u(v4[1]) == 255 && u(v4[2]) == 255 && u(v4[3]) == 255;
    }
}
