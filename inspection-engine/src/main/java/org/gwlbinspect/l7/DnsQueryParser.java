package org.gwlbinspect.l7;

import static org.gwlbinspect.l7.Octets.u16;
import static org.gwlbinspect.l7.Octets.u8;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.gwlbinspect.buffer.ByteBufs;

/**
 * Reads the header and first question of a DNS message (RFC 1035 §4.1) for {@code dns.query}: over UDP one datagram
 * ({@link #parseDatagram}), over TCP a message behind its 2-byte length prefix (RFC 1035 §4.2.2, RFC 7766), fed as
 * segments arrive ({@link #feedTcp}).
 *
 * <pre>
 * header: ID(2) | QR(1) Opcode(4) AA TC RD | RA Z AD CD RCODE(4) | QDCOUNT(2) ANCOUNT(2) NSCOUNT(2) ARCOUNT(2)
 * question: QNAME (labels: length(1) + octets, ending with 0; or a pointer 11xxxxxx xxxxxxxx) QTYPE(2) QCLASS(2)
 * </pre>
 *
 * <p>{@code dns.query} ({@link #query()}): the labels joined with {@code .}, no trailing dot, octets exactly as on the
 * wire (case preserved, no escaping, as Suricata's DNS parser builds it); the root name gives an empty query.
 * Compression pointers are followed only strictly backwards (each target before every byte of the name read so far),
 * which bounds the walk and rules out loops. The parser copies at most the first {@value #BUFFER_LENGTH} bytes of a
 * message into a preallocated buffer, enough for any first question; nothing is allocated per message except by {@link
 * #queryAsString()}. Never throws on any input bytes.
 */
public final class DnsQueryParser {
    public static final int HEADER_LENGTH = 12;
    /** RFC 1035 §3.1: labels are 63 octets or less. */
    public static final int MAX_LABEL_LENGTH = 63;
    /** RFC 1035 §3.1: names are 255 octets or less in wire form. */
    public static final int MAX_NAME_WIRE_LENGTH = 255;

    static final int BUFFER_LENGTH = 512;
    static final int TCP_LENGTH_PREFIX = 2;

    private final byte[] message = new byte[BUFFER_LENGTH];
    private final byte[] query = new byte[MAX_NAME_WIRE_LENGTH];

    private DnsParseStatus status;
    private DnsMalformedReason reason;
    private int buffered;
    private int messageLength;
    private int tcpPrefixBytes;
    private int queryLength;
    private int questionEnd;
    private int queryType;
    private int queryClass;

    public DnsQueryParser() {
        reset();
    }

    public void reset() {
        status = DnsParseStatus.NEED_MORE;
        reason = DnsMalformedReason.NONE;
        buffered = 0;
        messageLength = -1;
        tcpPrefixBytes = 0;
        queryLength = 0;
        questionEnd = -1;
        queryType = -1;
        queryClass = -1;
    }

    /** Parses one UDP payload ({@code length} bytes at absolute index {@code offset}); resets first. */
    public DnsParseStatus parseDatagram(ByteBuf buf, int offset, int length) {
        reset();
        messageLength = Math.max(length, 0);
        buffered = Math.min(messageLength, BUFFER_LENGTH);
        ByteBufs.copy(buf, offset, message, 0, buffered);
        return parse();
    }

    /**
     * Feeds the next in-order bytes of a DNS-over-TCP direction. Only the first message is read; the next one starts
     * at stream offset {@link #tcpMessageEnd()} (reset, then feed from there).
     */
    public DnsParseStatus feedTcp(ByteBuf buf, int offset, int length) {
        int pos = offset;
        int end = offset + length;
        if (status != DnsParseStatus.NEED_MORE) {
            return status;
        }
        while (tcpPrefixBytes < TCP_LENGTH_PREFIX && pos < end) {
            message[tcpPrefixBytes++] = buf.getByte(pos++);
            if (tcpPrefixBytes == TCP_LENGTH_PREFIX) {
                messageLength = u16(message, 0);
                if (messageLength < HEADER_LENGTH) {
                    return malformed(DnsMalformedReason.HEADER_TRUNCATED);
                }
            }
        }
        if (messageLength < 0) {
            return DnsParseStatus.NEED_MORE;
        }
        int wanted = Math.min(messageLength, BUFFER_LENGTH);
        int n = Math.min(wanted - buffered, end - pos);
        if (n > 0) {
            ByteBufs.copy(buf, pos, message, buffered, n);
            buffered += n;
        }
        return buffered < wanted ? DnsParseStatus.NEED_MORE : parse();
    }

    private DnsParseStatus malformed(DnsMalformedReason why) {
        reason = why;
        return status = DnsParseStatus.MALFORMED;
    }

    private DnsParseStatus parse() {
        if (buffered < HEADER_LENGTH) {
            return malformed(DnsMalformedReason.HEADER_TRUNCATED);
        }
        int opcode = opcode();
        if (opcode == 3 || opcode > 6) {
            return status = DnsParseStatus.NOT_DNS; // RFC 6895 §2.2: 3 and 7-15 are unassigned
        }
        if (questionCount() == 0) {
            return malformed(DnsMalformedReason.NO_QUESTION);
        }
        byte[] b = message;
        int pos = HEADER_LENGTH;
        int lowestVisited = HEADER_LENGTH;
        int afterName = -1;
        int wireLength = 0;
        int out = 0;
        while (true) {
            if (pos >= buffered) {
                return malformed(DnsMalformedReason.QUESTION_TRUNCATED);
            }
            int len = u8(b, pos);
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= buffered) {
                    return malformed(DnsMalformedReason.QUESTION_TRUNCATED);
                }
                int target = ((len & 0x3F) << 8) | u8(b, pos + 1);
                if (afterName < 0) {
                    afterName = pos + 2;
                }
                if (target >= lowestVisited) {
                    return malformed(DnsMalformedReason.POINTER_NOT_BACKWARD);
                }
                lowestVisited = target;
                pos = target;
                continue;
            }
            if (len > MAX_LABEL_LENGTH) {
                return malformed(DnsMalformedReason.LABEL_TOO_LONG);
            }
            wireLength += 1 + len;
            if (len == 0) {
                break;
            }
            if (wireLength + 1 > MAX_NAME_WIRE_LENGTH) {
                return malformed(DnsMalformedReason.NAME_TOO_LONG);
            }
            if (buffered - pos - 1 < len) {
                return malformed(DnsMalformedReason.QUESTION_TRUNCATED);
            }
            if (out > 0) {
                query[out++] = '.';
            }
            System.arraycopy(b, pos + 1, query, out, len);
            out += len;
            pos += 1 + len;
        }
        if (afterName < 0) {
            afterName = pos + 1;
        }
        if (buffered - afterName < 4) {
            return malformed(DnsMalformedReason.QUESTION_TRUNCATED);
        }
        queryLength = out;
        queryType = u16(b, afterName);
        queryClass = u16(b, afterName + 2);
        questionEnd = afterName + 4;
        return status = DnsParseStatus.DONE;
    }

    // ---- results ----

    public DnsParseStatus status() {
        return status;
    }

    public DnsMalformedReason malformedReason() {
        return reason;
    }

    /** The first bytes of the message (read only, at most {@value #BUFFER_LENGTH}), header at index 0. */
    public byte[] messageBuffer() {
        return message;
    }

    /** Bytes of the message held in {@link #messageBuffer()}. */
    public int bufferedLength() {
        return buffered;
    }

    /** The datagram length, or the TCP length prefix; -1 before the prefix arrived. */
    public int messageLength() {
        return messageLength;
    }

    /** TCP: stream offset, counted from the first byte fed since reset, where the next length prefix starts. */
    public int tcpMessageEnd() {
        return messageLength < 0 ? -1 : TCP_LENGTH_PREFIX + messageLength;
    }

    public int transactionId() {
        return u16(message, 0);
    }

    public int flags() {
        return u16(message, 2);
    }

    /** QR: a response (which also carries the question). */
    public boolean isResponse() {
        return (message[2] & 0x80) != 0;
    }

    public int opcode() {
        return (message[2] >> 3) & 0x0F;
    }

    public int responseCode() {
        return message[3] & 0x0F;
    }

    public int questionCount() {
        return u16(message, 4);
    }

    public int answerCount() {
        return u16(message, 6);
    }

    public int authorityCount() {
        return u16(message, 8);
    }

    public int additionalCount() {
        return u16(message, 10);
    }

    /** {@code dns.query}: valid from 0 to {@link #queryLength()}. */
    public byte[] query() {
        return query;
    }

    public int queryLength() {
        return queryLength;
    }

    public boolean queryEquals(byte[] name) {
        return status == DnsParseStatus.DONE && Octets.equals(query, 0, queryLength, name);
    }

    /** ASCII case folded, as a {@code dns.query; content:...; nocase;} rule compares. */
    public boolean queryEqualsIgnoreCase(byte[] name) {
        return status == DnsParseStatus.DONE && Octets.equalsIgnoreAsciiCase(query, 0, queryLength, name);
    }

    public int queryType() {
        return queryType;
    }

    public int queryClass() {
        return queryClass;
    }

    /** Offset in the message just past the first question's QCLASS, -1 unless DONE. */
    public int questionEnd() {
        return questionEnd;
    }

    /** Allocates; for logs and tests. {@code null} unless DONE. */
    public String queryAsString() {
        return status == DnsParseStatus.DONE ? new String(query, 0, queryLength, StandardCharsets.ISO_8859_1) : null;
    }
}
