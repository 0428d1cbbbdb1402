package io.p2p4j.identity;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * A peer's address: its node id, host and port, written {@code id@host:port} (IPv6 in
 * brackets). Parsing follows CometBFT: an optional {@code scheme://} prefix is dropped, exactly
 * one {@code @}, a valid id, a non-empty host, a decimal port from 0 to 65535. Host names are
 * kept as written (no lookup happens while parsing; {@link #resolve()} looks them up).
 *
 * <p>The classification used by the address book ({@link #isValid()}, {@link #isLocal()},
 * {@link #isRoutable()}) is CometBFT's and needs an IP literal: a host name is never valid there.
 *
 * @param id   the node id
 * @param host an IP literal (IPv6 without brackets) or a host name
 * @param port 0 to 65535
 */
public record NetAddress(NodeId id, String host, int port) {

    /** @throws InvalidAddressException if a part is missing or out of range */
    public NetAddress {
        if (id == null) {
            throw new InvalidAddressException("address has no node id");
        }
        if (host == null || host.isEmpty()) {
            throw new InvalidAddressException("address of " + id + " has an empty host");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidAddressException("port " + port + " out of range 0-65535");
        }
    }

    /**
     * Parses {@code [scheme://]id@host:port}.
     *
     * @throws InvalidAddressException saying what is wrong
     */
    public static NetAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        String rest = text;
        int scheme = rest.indexOf("://");
        if (scheme >= 0) {
            rest = rest.substring(scheme + 3);
        }
        int at = rest.indexOf('@');
        if (at < 0 || rest.indexOf('@', at + 1) >= 0) {
            throw new InvalidAddressException("address \"" + text + "\" must have the form id@host:port (exactly one @)");
        }
        String idText = rest.substring(0, at);
        NodeId id;
        try {
            id = NodeId.parse(idText);
        } catch (IllegalArgumentException e) {
            throw new InvalidAddressException("address \"" + text + "\": " + e.getMessage(), e);
        }
        return parseHostPort(id, rest.substring(at + 1), text);
    }

    /**
     * Parses {@code host:port} (IPv6 in brackets) for a known id, as in a NodeInfo listen address
     * (an optional {@code scheme://} prefix is dropped).
     */
    public static NetAddress fromHostPort(NodeId id, String hostPort) {
        String rest = hostPort;
        int scheme = rest.indexOf("://");
        if (scheme >= 0) {
            rest = rest.substring(scheme + 3);
        }
        return parseHostPort(id, rest, hostPort);
    }

    private static NetAddress parseHostPort(NodeId id, String hostPort, String original) {
        String host;
        String portText;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
                throw new InvalidAddressException("address \"" + original + "\": malformed [IPv6]:port");
            }
            host = hostPort.substring(1, close);
            portText = hostPort.substring(close + 2);
        } else {
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new InvalidAddressException("address \"" + original + "\": missing port");
            }
            host = hostPort.substring(0, colon);
            portText = hostPort.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new InvalidAddressException("address \"" + original + "\": IPv6 hosts need brackets");
            }
        }
        if (host.isBlank()) {
            throw new InvalidAddressException("address \"" + original + "\": empty host");
        }
        if (IpLiteral.parse(host) == null) {
            String problem = hostNameProblem(host);
            if (problem != null) {
                throw new InvalidAddressException("address \"" + original + "\": \"" + host
                        + "\" is not an IP address, and not a host name: " + problem);
            }
        }
        if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidAddressException("address \"" + original + "\": port \"" + portText + "\" is not a number");
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw new InvalidAddressException("address \"" + original + "\": port " + port + " out of range 0-65535");
        }
        return new NetAddress(id, host, port);
    }

    /**
     * Why a text that is not an IP literal is no host name either, or null if it is one. The last
     * label must not be all digits (RFC 1123 section 2.1, RFC 3696 section 2): otherwise a
     * mistyped IPv4 address such as {@code 127.0.0} or {@code 256.1.1.1} would pass as a name.
     */
    private static String hostNameProblem(String host) {
        if (host.length() > 253) {
            return "longer than 253 characters";
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63) {
                return "a label is empty or longer than 63 characters";
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "a label starts or ends with a hyphen";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 128) && c != '-' && c != '_') {
                    return "'" + c + "' is not a letter, digit, hyphen or underscore";
                }
            }
        }
        String top = labels[labels.length - 1];
        if (top.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "the last label \"" + top + "\" is all digits (dotted numbers must be an IPv4 address of four parts 0-255)";
        }
        return null;
    }

    /** The IP bytes if the host is an IP literal (4 or 16 bytes), else null. */
    public byte[] ip() {
        return IpLiteral.parse(host);
    }

    /** {@code host:port}, IPv6 in brackets. */
    public String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Looks the host up (a name) or converts it (a literal). May block on DNS. */
    public InetSocketAddress resolve() throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /**
     * CometBFT's {@code Valid}: an IP literal that is not unspecified (0.0.0.0, ::), not the
     * IPv4 broadcast address and not in the 2001:db8::/32 documentation range.
     */
    public boolean isValid() {
        byte[] ip = ip();
        return ip != null && !IpLiteral.isUnspecified(ip) && !IpLiteral.isBroadcast(ip) && !IpLiteral.isRfc3849(ip);
    }

    /** CometBFT's {@code Local}: loopback or 0.0.0.0/8. */
    public boolean isLocal() {
        byte[] ip = ip();
        return ip != null && (IpLiteral.isLoopback(ip) || IpLiteral.inV4(ip, 0, 0, 8));
    }

    /**
     * CometBFT's {@code Routable}: valid, not local, and in none of the private or special ranges
     * (RFC 1918, 3927, 4862, 4193, 4843). p2p4j also refuses multicast and the special-purpose
     * ranges no peer can be reached at: IPv4 documentation (RFC 5737), shared CGNAT space
     * (RFC 6598), benchmarking (RFC 2544), 240.0.0.0/4, IPv6 discard (RFC 6666) and
     * benchmarking (RFC 5180).
     */
    public boolean isRoutable() {
        byte[] ip = ip();
        return isValid() && !isLocal() && !IpLiteral.isRfc1918(ip) && !IpLiteral.isRfc3927(ip)
                && !IpLiteral.isRfc4862(ip) && !IpLiteral.isRfc4193(ip) && !IpLiteral.isRfc4843(ip)
                && !IpLiteral.isMulticast(ip) && !IpLiteral.isSpecialPurpose(ip);
    }

    @Override
    public String toString() {
        return id + "@" + hostPort();
    }
}
