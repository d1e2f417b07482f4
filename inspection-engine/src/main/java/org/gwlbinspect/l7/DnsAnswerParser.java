package org.gwlbinspect.l7;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads what a DNS response told its client (RFC 1035 §4.1): the question, and from the answer section the addresses
 * of the question's name, following CNAME records (RFC 1034 §3.6.2), for destination binding. A flyweight over the
 * message's bytes (a UDP payload, or a DNS-over-TCP message without its length prefix), copied once into the parser's
 * own array; nothing is allocated per message.
 *
 * <pre>
 * header:   ID(2) | QR Opcode AA TC RD | RA Z AD CD RCODE | QDCOUNT(2) ANCOUNT(2) NSCOUNT(2) ARCOUNT(2)
 * question: QNAME QTYPE(2) QCLASS(2)
 * answer:   NAME TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA(RDLENGTH)    A: 4 bytes, AAAA: 16, CNAME: a name
 * </pre>
 *
 * <p>The <em>chain</em> is the question's name and every CNAME target reached from it through the answer section, in
 * any record order, at most {@value #MAX_CHAIN_NAMES} names; every A/AAAA record (class IN) of a chain name gives an
 * address, at most {@value #MAX_ADDRESSES}, each bound to every chain name (the client asked for the first and was told
 * the others lead to the address). Its TTL is the smallest of the address record and the chain's CNAME records: the
 * answer holds no longer than its shortest link. A TTL with the top bit set counts as 0 (RFC 2181 §8). Records of
 * other names and types, and the authority and additional sections (where a poisoning attempt would put unrelated
 * records), are ignored. A response with an RCODE other than 0 gives no address.
 *
 * <p>Names are decoded lowercased (DNS names compare case-insensitively, RFC 4343), labels joined with {@code .}, no
 * trailing dot. Compression pointers (RFC 1035 §4.1.4) are followed only strictly backwards, each before every byte of
 * the name read so far, which bounds every walk and rules out loops ({@link DnsMalformedReason#POINTER_NOT_BACKWARD}).
 * At most {@value #MAX_RECORDS} answer records are read; later ones are ignored. Never throws on any input bytes.
 */
public final class DnsAnswerParser {
    public static final int MAX_CHAIN_NAMES = 8;
    public static final int MAX_ADDRESSES = 32;
    public static final int MAX_RECORDS = 64;

    private static final int HEADER_LENGTH = DnsQueryParser.HEADER_LENGTH;
    private static final int NAME_BYTES = DnsQueryParser.MAX_NAME_WIRE_LENGTH;
    private static final int TYPE_A = 1;
    private static final int TYPE_CNAME = 5;
    private static final int TYPE_AAAA = 28;
    private static final int CLASS_IN = 1;
    /** TYPE, CLASS, TTL, RDLENGTH after a record's name. */
    private static final int RECORD_FIXED = 10;

    /** RFC 1035 §4.2.2: a DNS message over TCP is at most 65,535 bytes; over UDP (an IPv4 payload) less. */
    static final int MAX_MESSAGE_BYTES = 65_535;

    /** The message, copied once: the walks below read it many times, an array is cheaper than buffer reads. */
    private final byte[] msg = new byte[MAX_MESSAGE_BYTES];

    private int limit;

    private DnsMalformedReason reason = DnsMalformedReason.NONE;
    private int transactionId;
    private int flags;
    private int questionType;
    private int questionClass;

    private final byte[] chain = new byte[MAX_CHAIN_NAMES * NAME_BYTES];
    private final int[] chainLengths = new int[MAX_CHAIN_NAMES];
    private final int[] chainHashes = new int[MAX_CHAIN_NAMES];
    private int chainCount;
    private long chainTtl;

    private final int[] addressVersions = new int[MAX_ADDRESSES];
    private final long[] addressHi = new long[MAX_ADDRESSES];
    private final long[] addressLo = new long[MAX_ADDRESSES];
    private final long[] addressTtl = new long[MAX_ADDRESSES];
    private int addressCount;

    // Answer records of interest, by position: found in one pass, linked in the next (any record order).
    private final int[] recordType = new int[MAX_RECORDS];
    private final int[] recordName = new int[MAX_RECORDS];
    private final int[] recordData = new int[MAX_RECORDS];
    private final long[] recordTtl = new long[MAX_RECORDS];
    /** Each record's owner name: its length and hash, so that most records are compared without decoding again. */
    private final int[] recordNameLength = new int[MAX_RECORDS];

    private final int[] recordNameHash = new int[MAX_RECORDS];
    private int recordCount;

    private final byte[] scratch = new byte[NAME_BYTES];
    /** End of the last name {@link #readName} read, in the message (after its pointer or its zero octet). */
    private int nameEnd;

    /**
     * Parses a response of {@code length} bytes at absolute index {@code offset} of {@code buf}.
     *
     * @return {@link DnsParseStatus#DONE} (also for a response without answers), {@link DnsParseStatus#NOT_DNS} for a
     *     query or an opcode other than QUERY, or {@link DnsParseStatus#MALFORMED} with {@link #malformedReason()}
     */
    public DnsParseStatus parse(ByteBuf buf, int offset, int length) {
        this.limit = Math.clamp(length, 0, MAX_MESSAGE_BYTES);
        buf.getBytes(offset, msg, 0, limit);
        reason = DnsMalformedReason.NONE;
        chainCount = 0;
        chainTtl = Long.MAX_VALUE;
        addressCount = 0;
        recordCount = 0;
        questionType = -1;
        if (limit < HEADER_LENGTH) return malformed(DnsMalformedReason.HEADER_TRUNCATED);
        transactionId = u16(0);
        flags = u16(2);
        if ((flags & 0x8000) == 0 || ((flags >>> 11) & 0x0F) != 0) return DnsParseStatus.NOT_DNS;
        int questions = u16(4);
        if (questions == 0) return malformed(DnsMalformedReason.NO_QUESTION);
        if (questions > 1) return malformed(DnsMalformedReason.MULTIPLE_QUESTIONS);
        int length0 = readName(HEADER_LENGTH, chain, 0);
        if (length0 < 0) return malformed(reasonOf(length0, DnsMalformedReason.QUESTION_TRUNCATED));
        int pos = nameEnd;
        if (limit - pos < 4) return malformed(DnsMalformedReason.QUESTION_TRUNCATED);
        questionType = u16(pos);
        questionClass = u16(pos + 2);
        pos += 4;
        chainLengths[0] = length0;
        chainHashes[0] = hash(chain, 0, length0);
        chainCount = 1;
        if ((flags & 0x0F) != 0) return DnsParseStatus.DONE; // NXDOMAIN, SERVFAIL...: nothing was resolved

        int answers = u16(6);
        for (int i = 0; i < answers && i < MAX_RECORDS; i++) {
            int name = pos;
            int nameLength = readName(pos, scratch, 0);
            if (nameLength < 0) return malformed(reasonOf(nameLength, DnsMalformedReason.ANSWER_TRUNCATED));
            pos = nameEnd;
            if (limit - pos < RECORD_FIXED) return malformed(DnsMalformedReason.ANSWER_TRUNCATED);
            int type = u16(pos);
            int rrClass = u16(pos + 2);
            long ttl = (long) u16(pos + 4) << 16 | u16(pos + 6);
            int rdLength = u16(pos + 8);
            int data = pos + RECORD_FIXED;
            if (limit - data < rdLength) return malformed(DnsMalformedReason.ANSWER_TRUNCATED);
            pos = data + rdLength;
            if (rrClass != CLASS_IN) continue;
            int ownerHash = hash(scratch, 0, nameLength); // before a CNAME's target overwrites the scratch
            switch (type) {
                case TYPE_A -> {
                    if (rdLength != 4) return malformed(DnsMalformedReason.BAD_RDATA_LENGTH);
                }
                case TYPE_AAAA -> {
                    if (rdLength != 16) return malformed(DnsMalformedReason.BAD_RDATA_LENGTH);
                }
                case TYPE_CNAME -> {
                    int end = skipName(data);
                    if (end < 0) return malformed(reasonOf(end, DnsMalformedReason.ANSWER_TRUNCATED));
                    if (end != pos) return malformed(DnsMalformedReason.BAD_RDATA_LENGTH);
                }
                default -> {
                    continue;
                }
            }
            recordType[recordCount] = type;
            recordName[recordCount] = name;
            recordNameLength[recordCount] = nameLength;
            recordNameHash[recordCount] = ownerHash;
            recordData[recordCount] = data;
            recordTtl[recordCount] = (ttl & 0x8000_0000L) != 0 ? 0 : ttl; // RFC 2181 §8
            recordCount++;
        }
        return link();
    }

    /** Follows the CNAME records from the question's name, then collects the chain's addresses. */
    private DnsParseStatus link() {
        boolean grew = true;
        while (grew && chainCount < MAX_CHAIN_NAMES) {
            grew = false;
            for (int r = 0; r < recordCount && chainCount < MAX_CHAIN_NAMES; r++) {
                if (recordType[r] != TYPE_CNAME || chainIndexOf(r) < 0) continue;
                int length = readName(recordData[r], chain, chainCount * NAME_BYTES);
                if (length < 0) return malformed(reasonOf(length, DnsMalformedReason.ANSWER_TRUNCATED));
                if (chainContains(chainCount * NAME_BYTES, length)) continue;
                chainHashes[chainCount] = hash(chain, chainCount * NAME_BYTES, length);
                chainLengths[chainCount++] = length;
                chainTtl = Math.min(chainTtl, recordTtl[r]);
                grew = true;
            }
        }
        for (int r = 0; r < recordCount && addressCount < MAX_ADDRESSES; r++) {
            int type = recordType[r];
            if (type == TYPE_CNAME || chainIndexOf(r) < 0) continue;
            int at = recordData[r];
            int i = addressCount++;
            if (type == TYPE_A) {
                addressVersions[i] = 4;
                addressHi[i] = 0;
                addressLo[i] = u32(at);
            } else {
                addressVersions[i] = 6;
                addressHi[i] = u32(at) << 32 | u32(at + 4);
                addressLo[i] = u32(at + 8) << 32 | u32(at + 12);
            }
            addressTtl[i] = Math.min(recordTtl[r], chainTtl);
        }
        return DnsParseStatus.DONE;
    }

    /** The chain index of record {@code r}'s owner name, -1 when it is not in the chain. */
    private int chainIndexOf(int r) {
        int length = recordNameLength[r];
        int hash = recordNameHash[r];
        for (int c = 0; c < chainCount; c++) {
            if (chainLengths[c] != length || chainHashes[c] != hash) continue;
            if (readName(recordName[r], scratch, 0) != length) return -1;
            if (java.util.Arrays.equals(chain, c * NAME_BYTES, c * NAME_BYTES + length, scratch, 0, length)) return c;
        }
        return -1;
    }

    private static int hash(byte[] b, int from, int length) {
        int h = 0x811C9DC5;
        for (int i = from; i < from + length; i++) h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        return h;
    }

    private boolean chainContains(int from, int length) {
        for (int c = 0; c < chainCount; c++) {
            if (chainLengths[c] == length
                    && java.util.Arrays.equals(
                            chain, c * NAME_BYTES, c * NAME_BYTES + length, chain, from, from + length)) {
                return true;
            }
        }
        return false;
    }

    // Negative results of the name walks: -1 - reason ordinal.
    private static int fail(DnsMalformedReason why) {
        return -1 - why.ordinal();
    }

    private static DnsMalformedReason reasonOf(int code, DnsMalformedReason truncated) {
        DnsMalformedReason why = DnsMalformedReason.values()[-1 - code];
        return why == DnsMalformedReason.QUESTION_TRUNCATED ? truncated : why;
    }

    /**
     * Decodes the name at message offset {@code pos} into {@code dst[at..]}, lowercased and dotted; sets {@link
     * #nameEnd}. Returns its length, or a {@link #fail} code.
     */
    private int readName(int pos, byte[] dst, int at) {
        int lowestVisited = pos;
        int end = -1;
        int wire = 0;
        int out = 0;
        while (true) {
            if (pos >= limit) return fail(DnsMalformedReason.QUESTION_TRUNCATED);
            int len = msg[pos] & 0xFF;
            if ((len & 0xC0) == 0xC0) {
                if (pos + 1 >= limit) return fail(DnsMalformedReason.QUESTION_TRUNCATED);
                int target = ((len & 0x3F) << 8) | (msg[pos + 1] & 0xFF);
                if (end < 0) end = pos + 2;
                if (target >= lowestVisited) return fail(DnsMalformedReason.POINTER_NOT_BACKWARD);
                lowestVisited = target;
                pos = target;
                continue;
            }
            if (len > DnsQueryParser.MAX_LABEL_LENGTH) return fail(DnsMalformedReason.LABEL_TOO_LONG);
            wire += 1 + len;
            if (len == 0) break;
            if (wire + 1 > NAME_BYTES) return fail(DnsMalformedReason.NAME_TOO_LONG);
            if (limit - pos - 1 < len) return fail(DnsMalformedReason.QUESTION_TRUNCATED);
            if (out > 0) dst[at + out++] = '.';
            for (int i = 0; i < len; i++) {
                dst[at + out++] = Octets.toLowerAscii(msg[pos + 1 + i]);
            }
            pos += 1 + len;
        }
        nameEnd = end < 0 ? pos + 1 : end;
        return out;
    }

    /** The position after the name at {@code pos}, or a {@link #fail} code; the name is validated, not kept. */
    private int skipName(int pos) {
        int length = readName(pos, scratch, 0);
        return length < 0 ? length : nameEnd;
    }

    private DnsParseStatus malformed(DnsMalformedReason why) {
        reason = why;
        addressCount = 0;
        return DnsParseStatus.MALFORMED;
    }

    private int u16(int pos) {
        return Octets.u16(msg, pos);
    }

    private long u32(int pos) {
        return (long) u16(pos) << 16 | u16(pos + 2);
    }

    // ---- results ----

    public DnsMalformedReason malformedReason() {
        return reason;
    }

    public int transactionId() {
        return transactionId;
    }

    /** RCODE (RFC 1035 §4.1.1), 0 for no error. */
    public int responseCode() {
        return flags & 0x0F;
    }

    public int questionType() {
        return questionType;
    }

    public int questionClass() {
        return questionClass;
    }

    /** Names in the chain, the question's name first. */
    public int chainCount() {
        return chainCount;
    }

    /** The array holding the chain's names; name {@code i} starts at {@link #chainOffset}. */
    public byte[] chainBytes() {
        return chain;
    }

    public int chainOffset(int i) {
        return i * NAME_BYTES;
    }

    public int chainLength(int i) {
        return chainLengths[i];
    }

    public int addressCount() {
        return addressCount;
    }

    /** 4 or 6. */
    public int addressVersion(int i) {
        return addressVersions[i];
    }

    /** The address's high 64 bits (IPv6), 0 for IPv4. */
    public long addressHi(int i) {
        return addressHi[i];
    }

    /** The address's low 64 bits; IPv4 in the low 32. */
    public long addressLo(int i) {
        return addressLo[i];
    }

    /** Seconds the address may be used for the chain's names. */
    public long addressTtlSeconds(int i) {
        return addressTtl[i];
    }

    /** Allocates; for logs and tests. */
    public String chainName(int i) {
        return new String(chain, i * NAME_BYTES, chainLengths[i], StandardCharsets.ISO_8859_1);
    }
}
