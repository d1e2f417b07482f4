package org.gwlbinspect.l7;

import io.netty.buffer.ByteBuf;

/**
 * Decides the application protocol of a direction from its first bytes, on any port, as Suricata's probing parsers do:
 * so that {@code tls}/{@code http}/{@code dns} rules and domain lists apply to TLS on 8443 or HTTP on 8080 too.
 *
 * <ul>
 *   <li>TLS: a handshake record header, {@code 16 03 0x} with x ≤ 4 (either direction: ClientHello or ServerHello).
 *       SSL 2.0 hellos are {@link AppProtocol#UNKNOWN}.
 *   <li>HTTP: a request line starting with {@code GET POST HEAD PUT DELETE OPTIONS CONNECT PATCH TRACE} and a space,
 *       or a response starting {@code HTTP/}. Methods are case-sensitive (RFC 9110 §9.1).
 *   <li>SSH: {@code SSH-} (RFC 4253 §4.2).
 *   <li>DNS over UDP: on port 53 (either side), a sane header (opcode assigned, Z zero, QDCOUNT 1, RCODE 0 in a query)
 *       and a first question that parses. On other ports only a plain query is accepted: QR 0, opcode QUERY, no
 *       answer or authority records, at most one additional record which must be an EDNS OPT record (RFC 6891 §6.1.2),
 *       and the datagram must end exactly after it, so random UDP payloads are not taken for DNS.
 *   <li>DNS over TCP: only on port 53, the same header checks behind the 2-byte length prefix.
 * </ul>
 *
 * One instance per worker (it holds a {@link DnsQueryParser}); allocation-free; never throws on any input bytes.
 */
public final class AppProtocolDetector {
    public static final int DNS_PORT = 53;

    private static final byte[][] HTTP_PREFIXES = {
        ascii("GET "),
        ascii("POST "),
        ascii("HEAD "),
        ascii("PUT "),
        ascii("DELETE "),
        ascii("OPTIONS "),
        ascii("CONNECT "),
        ascii("PATCH "),
        ascii("TRACE "),
        ascii("HTTP/")
    };
    private static final byte[] SSH_PREFIX = ascii("SSH-");

    private static final int MATCH = 0;
    private static final int PREFIX = 1;
    private static final int MISMATCH = 2;

    private static final int DNS_TYPE_OPT = 41;

    private final DnsQueryParser dns = new DnsQueryParser();

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * The protocol of a TCP direction whose first {@code length} bytes are at absolute index {@code offset} of {@code
     * buf} (accumulated by the caller if they arrive in several segments).
     */
    public AppProtocol detectTcp(ByteBuf buf, int offset, int length, int srcPort, int dstPort) {
        if (length <= 0) {
            return AppProtocol.NEED_MORE;
        }
        boolean undecided = false;
        int first = buf.getUnsignedByte(offset);
        if (first == 0x16) {
            if (length < 3) {
                undecided = length < 2 || buf.getUnsignedByte(offset + 1) == 3;
            } else if (buf.getUnsignedByte(offset + 1) == 3 && buf.getUnsignedByte(offset + 2) <= 4) {
                return AppProtocol.TLS;
            }
        }
        int ssh = prefix(buf, offset, length, SSH_PREFIX);
        if (ssh == MATCH) {
            return AppProtocol.SSH;
        }
        undecided |= ssh == PREFIX;
        for (byte[] p : HTTP_PREFIXES) {
            int http = prefix(buf, offset, length, p);
            if (http == MATCH) {
                return AppProtocol.HTTP;
            }
            undecided |= http == PREFIX;
        }
        if (srcPort == DNS_PORT || dstPort == DNS_PORT) {
            dns.reset();
            DnsParseStatus status = dns.feedTcp(buf, offset, length);
            if (status == DnsParseStatus.DONE && saneHeader()) {
                return AppProtocol.DNS;
            }
            undecided |= status == DnsParseStatus.NEED_MORE;
        }
        return undecided ? AppProtocol.NEED_MORE : AppProtocol.UNKNOWN;
    }

    /** The protocol of one UDP datagram's payload; never {@link AppProtocol#NEED_MORE}. */
    public AppProtocol detectUdp(ByteBuf buf, int offset, int length, int srcPort, int dstPort) {
        if (dns.parseDatagram(buf, offset, length) != DnsParseStatus.DONE || !saneHeader()) {
            return AppProtocol.UNKNOWN;
        }
        if (srcPort == DNS_PORT || dstPort == DNS_PORT) {
            return AppProtocol.DNS;
        }
        return plainQueryFillingTheDatagram(length) ? AppProtocol.DNS : AppProtocol.UNKNOWN;
    }

    private boolean saneHeader() {
        return dns.questionCount() == 1
                && (dns.flags() & 0x0040) == 0 // Z: must be zero (RFC 1035 §4.1.1)
                && (dns.isResponse() || dns.responseCode() == 0);
    }

    private boolean plainQueryFillingTheDatagram(int length) {
        if (dns.isResponse()
                || dns.opcode() != 0
                || dns.answerCount() != 0
                || dns.authorityCount() != 0
                || dns.additionalCount() > 1
                || length > dns.bufferedLength()) {
            return false;
        }
        int end = dns.questionEnd();
        if (dns.additionalCount() == 0) {
            return end == length;
        }
        // OPT pseudo-RR: root name (0), TYPE 41, CLASS = UDP size, TTL = extended flags, RDLENGTH, RDATA
        byte[] b = dns.messageBuffer();
        if (length - end < 11 || b[end] != 0 || Octets.u16(b, end + 1) != DNS_TYPE_OPT) {
            return false;
        }
        return end + 11 + Octets.u16(b, end + 9) == length;
    }

    private static int prefix(ByteBuf buf, int offset, int length, byte[] expected) {
        int n = Math.min(length, expected.length);
        for (int i = 0; i < n; i++) {
            if (buf.getByte(offset + i) != expected[i]) {
                return MISMATCH;
            }
        }
        return n == expected.length ? MATCH : PREFIX;
    }
}
