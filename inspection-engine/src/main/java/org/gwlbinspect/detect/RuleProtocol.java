package org.gwlbinspect.detect;

import java.util.Locale;
import java.util.Optional;

/**
 * The header's protocol (policy.md §1.2, §3.1). The four transport protocols match on the IP protocol number; the
 * others are app-layer protocols, which match only once Suricata-style protocol detection has named the flow's
 * protocol (an app protocol the appliance never detects simply never matches).
 */
public enum RuleProtocol {
    IP("ip", Transport.ANY),
    TCP("tcp", Transport.TCP),
    UDP("udp", Transport.UDP),
    ICMP("icmp", Transport.ICMP),
    HTTP("http", Transport.TCP),
    HTTP2("http2", Transport.TCP),
    TLS("tls", Transport.TCP),
    DNS("dns", Transport.TCP_OR_UDP),
    SSH("ssh", Transport.TCP),
    FTP("ftp", Transport.TCP),
    SMB("smb", Transport.TCP),
    DCERPC("dcerpc", Transport.TCP_OR_UDP),
    SMTP("smtp", Transport.TCP),
    IMAP("imap", Transport.TCP),
    MSN("msn", Transport.TCP),
    KRB5("krb5", Transport.TCP_OR_UDP),
    TFTP("tftp", Transport.UDP),
    NTP("ntp", Transport.UDP),
    DHCP("dhcp", Transport.UDP);

    /** Which IP protocols a rule of this protocol can match. */
    public enum Transport {
        ANY,
        TCP,
        UDP,
        TCP_OR_UDP,
        ICMP
    }

    private static final int IPPROTO_ICMP = 1;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_UDP = 17;
    private static final int IPPROTO_ICMPV6 = 58;

    private final String keyword;
    private final Transport transport;

    RuleProtocol(String keyword, Transport transport) {
        this.keyword = keyword;
        this.transport = transport;
    }

    /** The protocol as written in a rule header. */
    public String keyword() {
        return keyword;
    }

    public Transport transport() {
        return transport;
    }

    /** True for the protocols that need app-layer detection ({@code http}, {@code tls}, ...). */
    public boolean isAppLayer() {
        return ordinal() > ICMP.ordinal();
    }

    /** Whether a packet with this IP protocol number (IPv4 protocol / IPv6 next header) can match. */
    public boolean matchesIpProtocol(int ipProtocol) {
        return switch (transport) {
            case ANY -> true;
            case TCP -> ipProtocol == IPPROTO_TCP;
            case UDP -> ipProtocol == IPPROTO_UDP;
            case TCP_OR_UDP -> ipProtocol == IPPROTO_TCP || ipProtocol == IPPROTO_UDP;
            case ICMP -> ipProtocol == IPPROTO_ICMP || ipProtocol == IPPROTO_ICMPV6;
        };
    }

    /** The protocol named {@code keyword} (case-insensitive, as NFW's {@code Header.Protocol} is upper case). */
    public static Optional<RuleProtocol> fromKeyword(String keyword) {
        String lower = keyword.toLowerCase(Locale.ROOT);
        for (RuleProtocol protocol : values()) {
            if (protocol.keyword.equals(lower)) return Optional.of(protocol);
        }
        return Optional.empty();
    }
}
