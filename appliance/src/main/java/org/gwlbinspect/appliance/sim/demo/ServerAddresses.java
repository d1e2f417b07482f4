package org.gwlbinspect.appliance.sim.demo;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.gwlbinspect.eve.IpAddresses;

/**
 * Where the demo's servers listen in the server namespace: one IPv4 address and, optionally, one IPv6 address. The
 * DNS server answers every demo name with these addresses. They must be outside the policy's {@code HOME_NET}
 * (e.g. 198.51.100.0/24 and 2001:db8::/32), or the demo policy's HOME_NET → EXTERNAL_NET rules never match.
 */
public record ServerAddresses(Inet4Address ipv4, Optional<Inet6Address> ipv6) {
    public ServerAddresses {
        if (ipv4 == null) throw new IllegalArgumentException("the servers need an IPv4 address");
        if (ipv6 == null) throw new IllegalArgumentException("ipv6 must be an Optional");
    }

    /** Parses literal addresses ({@code ipv6} may be null). */
    public static ServerAddresses of(String ipv4, String ipv6) {
        if (!(literal(ipv4) instanceof Inet4Address v4))
            throw new IllegalArgumentException("not an IPv4 address: " + ipv4);
        if (ipv6 == null) return new ServerAddresses(v4, Optional.empty());
        if (!(literal(ipv6) instanceof Inet6Address v6))
            throw new IllegalArgumentException("not an IPv6 address: " + ipv6);
        return new ServerAddresses(v4, Optional.of(v6));
    }

    public String ipv4Text() {
        return ipv4.getHostAddress();
    }

    /** The IPv6 address in RFC 5952 form, without a scope. */
    public Optional<String> ipv6Text() {
        return ipv6.map(ServerAddresses::rfc5952);
    }

    private static InetAddress literal(String text) {
        // Only literals: InetAddress.ofLiteral never resolves a name.
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("not an IP address literal: " + text, e);
        }
    }

    private static String rfc5952(Inet6Address address) {
        ByteBuffer bytes = ByteBuffer.wrap(address.getAddress());
        byte[] text = new byte[IpAddresses.MAX_IPV6_LENGTH];
        int length = IpAddresses.formatIpv6(bytes.getLong(0), bytes.getLong(8), text, 0);
        return new String(text, 0, length, StandardCharsets.US_ASCII);
    }
}
