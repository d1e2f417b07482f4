package org.gwlbinspect.l7;

import static org.gwlbinspect.l7.Octets.u16;
import static org.gwlbinspect.l7.Octets.u24;
import static org.gwlbinspect.l7.Octets.u8;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Incremental parser of the first client→server TLS handshake message, the ClientHello (RFC 8446 §4.1.2, RFC 5246
 * §7.4.1.2), fed with the in-order bytes of one TCP direction as segments arrive.
 *
 * <pre>
 * Handshake: msg_type(1) = 1, length(3), then ClientHello:
 *   legacy_version(2) random(32) legacy_session_id&lt;0..32&gt;(1+n) cipher_suites&lt;2..2^16-2&gt;(2+n)
 *   legacy_compression_methods&lt;1..2^8-1&gt;(1+n) [extensions&lt;8..2^16-1&gt;(2+n): type(2) length(2) data]
 * </pre>
 *
 * <p><b>Buffering.</b> The parser owns one preallocated buffer of {@code capacityBytes} (default {@value
 * #DEFAULT_CAPACITY}: a post-quantum ClientHello with an ML-KEM key share is ~1.8 KiB and often spans two segments).
 * Record headers are stripped as bytes arrive, so a ClientHello fragmented over several TLS records and several
 * segments is reassembled into {@link #buffer()}; every offset returned by an accessor indexes that array. One instance
 * serves one direction of one flow at a time: the caller keeps a pool per worker and calls {@link #reset()} before
 * reusing it for another flow (a ClientHello is parsed once per connection, so the pool is small).
 *
 * <p><b>Results</b> are valid after {@link TlsParseStatus#DONE} until {@link #reset()}; accessors of absent fields
 * return -1 offsets. Nothing is allocated per segment. {@link #writeJa3(byte[])} writes the JA3 string into the
 * caller's array and allocates nothing (a pool of parsers can share one array per thread); {@link #ja3Md5(byte[])} is
 * allocation-free after the first call on an instance (which allocates the JA3 scratch, {@code 4 × capacity}, and an
 * MD5 digest once per instance); {@link #ja3String()}, {@link #ja3Hash()} and {@link #sniAsString()} allocate their
 * result and are meant for logging.
 *
 * <p>Never throws on any input bytes; the caller guarantees {@code [offset, offset + length)} lies inside the buffer.
 */
public final class TlsClientHelloParser {
    /** Default buffer size: 16 KiB of handshake bytes (record headers excluded). */
    public static final int DEFAULT_CAPACITY = 16 * 1024;

    static final int HANDSHAKE_HEADER_LENGTH = 4;
    static final int HANDSHAKE_CLIENT_HELLO = 1;
    static final int RANDOM_LENGTH = 32;
    static final int MAX_SESSION_ID_LENGTH = 32;

    public static final int EXTENSION_SERVER_NAME = 0;
    public static final int EXTENSION_SUPPORTED_GROUPS = 10;
    public static final int EXTENSION_EC_POINT_FORMATS = 11;
    public static final int EXTENSION_ALPN = 16;
    public static final int EXTENSION_SUPPORTED_VERSIONS = 43;
    /** draft-ietf-tls-esni: encrypted_client_hello. */
    public static final int EXTENSION_ENCRYPTED_CLIENT_HELLO = 0xFE0D;

    /** RFC 6066 §3: NameType host_name. */
    static final int SERVER_NAME_TYPE_HOST_NAME = 0;

    private final TlsRecordReader records;
    private TlsParseStatus status = TlsParseStatus.NEED_MORE;
    private TlsMalformedReason reason = TlsMalformedReason.NONE;
    private boolean sslv2ClientHello;

    private int messageEnd;
    private int legacyVersion;
    private int randomOffset;
    private int sessionIdOffset;
    private int sessionIdLength;
    private int cipherSuitesOffset;
    private int cipherSuitesLength;
    private int compressionMethodsOffset;
    private int compressionMethodsLength;
    private int extensionsOffset;
    private int extensionsLength;
    private int extensionCount;
    private int seenExtensions;
    private int sniOffset;
    private int sniLength;
    private int supportedVersionsOffset;
    private int supportedVersionsLength;
    private int alpnOffset;
    private int alpnLength;
    private int supportedGroupsOffset;
    private int supportedGroupsLength;
    private int ecPointFormatsOffset;
    private int ecPointFormatsLength;
    private int echOffset;
    private int echLength;

    private byte[] ja3Scratch;
    private MessageDigest md5;

    public TlsClientHelloParser() {
        this(DEFAULT_CAPACITY);
    }

    public TlsClientHelloParser(int capacityBytes) {
        if (capacityBytes < 64) {
            throw new IllegalArgumentException("capacityBytes must be at least 64, got " + capacityBytes);
        }
        this.records = new TlsRecordReader(capacityBytes);
        reset();
    }

    /** Forgets everything, for the next flow or direction. */
    public void reset() {
        records.reset();
        status = TlsParseStatus.NEED_MORE;
        reason = TlsMalformedReason.NONE;
        sslv2ClientHello = false;
        messageEnd = 0;
        legacyVersion = 0;
        randomOffset = -1;
        sessionIdOffset = -1;
        sessionIdLength = 0;
        cipherSuitesOffset = -1;
        cipherSuitesLength = 0;
        compressionMethodsOffset = -1;
        compressionMethodsLength = 0;
        extensionsOffset = -1;
        extensionsLength = 0;
        extensionCount = 0;
        seenExtensions = 0;
        sniOffset = -1;
        sniLength = 0;
        supportedVersionsOffset = -1;
        supportedVersionsLength = 0;
        alpnOffset = -1;
        alpnLength = 0;
        supportedGroupsOffset = -1;
        supportedGroupsLength = 0;
        ecPointFormatsOffset = -1;
        ecPointFormatsLength = 0;
        echOffset = -1;
        echLength = 0;
    }

    /**
     * Feeds the next in-order bytes of the client→server direction: {@code length} bytes at absolute index {@code
     * offset} of {@code buf} (its reader index is not moved). Returns {@link TlsParseStatus#NEED_MORE} until the
     * ClientHello is complete; once terminal, further calls return the same status without reading.
     */
    public TlsParseStatus feed(ByteBuf buf, int offset, int length) {
        if (status != TlsParseStatus.NEED_MORE || length <= 0) {
            return status;
        }
        int outcome = records.feed(buf, offset, length);
        // A complete ClientHello wins over whatever follows it in the segment (0-RTT data, a change_cipher_spec).
        int available = records.handshakeLength();
        if (available >= HANDSHAKE_HEADER_LENGTH) {
            byte[] hs = records.handshake();
            if (u8(hs, 0) != HANDSHAKE_CLIENT_HELLO) {
                return malformed(TlsMalformedReason.HANDSHAKE_TYPE_UNEXPECTED);
            }
            int end = HANDSHAKE_HEADER_LENGTH + u24(hs, 1);
            if (end > records.capacity()) {
                return status = TlsParseStatus.TOO_LARGE;
            }
            if (available >= end) {
                return parseClientHello(hs, end);
            }
        }
        return switch (outcome) {
            case TlsRecordReader.CONSUMED -> TlsParseStatus.NEED_MORE;
            case TlsRecordReader.OTHER_RECORD ->
                malformed(
                        records.otherRecordType() == TlsRecordReader.CONTENT_ALERT
                                ? TlsMalformedReason.ALERT_RECEIVED
                                : TlsMalformedReason.RECORD_TYPE_UNEXPECTED);
            case TlsRecordReader.NOT_TLS -> notTls();
            case TlsRecordReader.BAD_RECORD -> malformed(records.reason());
            default -> status = TlsParseStatus.TOO_LARGE; // BUFFER_FULL: unreachable, the length check came first
        };
    }

    private TlsParseStatus notTls() {
        // SSL 2.0 CLIENT-HELLO, as some scanners still send: 2-byte length with the high bit set, msg type 1, then
        // version 0x0002 (SSLv2) or 0x03xx (v3-compatible hello, RFC 5246 Appendix E.2).
        int first = records.headerByte(0) & 0xFF;
        int version = records.headerByte(3) & 0xFF;
        sslv2ClientHello = (first & 0x80) != 0 && records.headerByte(2) == 1 && (version == 0 || version == 3);
        return status = TlsParseStatus.NOT_TLS;
    }

    private TlsParseStatus malformed(TlsMalformedReason why) {
        reason = why;
        return status = TlsParseStatus.MALFORMED;
    }

    private TlsParseStatus parseClientHello(byte[] b, int end) {
        messageEnd = end;
        int p = HANDSHAKE_HEADER_LENGTH;
        if (end - p < 2 + RANDOM_LENGTH + 1) {
            return malformed(TlsMalformedReason.MESSAGE_TRUNCATED);
        }
        legacyVersion = u16(b, p);
        randomOffset = p + 2;
        p += 2 + RANDOM_LENGTH;
        int sessionId = u8(b, p++);
        if (sessionId > MAX_SESSION_ID_LENGTH) {
            return malformed(TlsMalformedReason.SESSION_ID_TOO_LONG);
        }
        if (end - p < sessionId + 2) {
            return malformed(TlsMalformedReason.MESSAGE_TRUNCATED);
        }
        sessionIdOffset = p;
        sessionIdLength = sessionId;
        p += sessionId;
        int suites = u16(b, p);
        p += 2;
        if (suites == 0 || (suites & 1) != 0) {
            return malformed(TlsMalformedReason.CIPHER_SUITES_LENGTH_INVALID);
        }
        if (end - p < suites + 1) {
            return malformed(TlsMalformedReason.MESSAGE_TRUNCATED);
        }
        cipherSuitesOffset = p;
        cipherSuitesLength = suites;
        p += suites;
        int compression = u8(b, p++);
        if (compression == 0) {
            return malformed(TlsMalformedReason.COMPRESSION_METHODS_EMPTY);
        }
        if (end - p < compression) {
            return malformed(TlsMalformedReason.MESSAGE_TRUNCATED);
        }
        compressionMethodsOffset = p;
        compressionMethodsLength = compression;
        p += compression;
        if (p == end) {
            return status = TlsParseStatus.DONE; // RFC 5246 §7.4.1.2: a hello without extensions is valid
        }
        if (end - p < 2 || u16(b, p) != end - p - 2) {
            return malformed(TlsMalformedReason.EXTENSIONS_LENGTH_MISMATCH);
        }
        p += 2;
        extensionsOffset = p;
        extensionsLength = end - p;
        while (p < end) {
            if (end - p < 4) {
                return malformed(TlsMalformedReason.EXTENSION_TRUNCATED);
            }
            int type = u16(b, p);
            int len = u16(b, p + 2);
            p += 4;
            if (end - p < len) {
                return malformed(TlsMalformedReason.EXTENSION_TRUNCATED);
            }
            TlsMalformedReason problem = readExtension(b, type, p, len);
            if (problem != TlsMalformedReason.NONE) {
                return malformed(problem);
            }
            extensionCount++;
            p += len;
        }
        return status = TlsParseStatus.DONE;
    }

    private TlsMalformedReason readExtension(byte[] b, int type, int off, int len) {
        int bit =
                switch (type) {
                    case EXTENSION_SERVER_NAME -> 1;
                    case EXTENSION_SUPPORTED_GROUPS -> 2;
                    case EXTENSION_EC_POINT_FORMATS -> 4;
                    case EXTENSION_ALPN -> 8;
                    case EXTENSION_SUPPORTED_VERSIONS -> 16;
                    case EXTENSION_ENCRYPTED_CLIENT_HELLO -> 32;
                    default -> 0;
                };
        if (bit == 0) {
            return TlsMalformedReason.NONE;
        }
        if ((seenExtensions & bit) != 0) {
            return TlsMalformedReason.EXTENSION_DUPLICATE;
        }
        seenExtensions |= bit;
        switch (type) {
            case EXTENSION_SERVER_NAME:
                return readServerName(b, off, len);
            case EXTENSION_SUPPORTED_GROUPS:
                if (len < 4 || u16(b, off) != len - 2 || (len & 1) != 0) {
                    return TlsMalformedReason.SUPPORTED_GROUPS_INVALID;
                }
                supportedGroupsOffset = off + 2;
                supportedGroupsLength = len - 2;
                return TlsMalformedReason.NONE;
            case EXTENSION_EC_POINT_FORMATS:
                if (len < 2 || u8(b, off) != len - 1) {
                    return TlsMalformedReason.EC_POINT_FORMATS_INVALID;
                }
                ecPointFormatsOffset = off + 1;
                ecPointFormatsLength = len - 1;
                return TlsMalformedReason.NONE;
            case EXTENSION_ALPN:
                return readAlpn(b, off, len);
            case EXTENSION_SUPPORTED_VERSIONS:
                if (len < 3 || u8(b, off) != len - 1 || (len & 1) == 0) {
                    return TlsMalformedReason.SUPPORTED_VERSIONS_INVALID;
                }
                supportedVersionsOffset = off + 1;
                supportedVersionsLength = len - 1;
                return TlsMalformedReason.NONE;
            default: // encrypted_client_hello: opaque here; its presence is what the policy needs to know
                echOffset = off;
                echLength = len;
                return TlsMalformedReason.NONE;
        }
    }

    private TlsMalformedReason readServerName(byte[] b, int off, int len) {
        // RFC 6066 §3: ServerNameList server_name_list<1..2^16-1>; ServerName: name_type(1), HostName<1..2^16-1>
        if (len < 2 || u16(b, off) != len - 2 || len == 2) {
            return TlsMalformedReason.SERVER_NAME_LIST_INVALID;
        }
        int q = off + 2;
        int end = off + len;
        while (q < end) {
            if (end - q < 3) {
                return TlsMalformedReason.SERVER_NAME_LIST_INVALID;
            }
            int nameType = u8(b, q);
            int nameLength = u16(b, q + 1);
            q += 3;
            if (end - q < nameLength) {
                return TlsMalformedReason.SERVER_NAME_LIST_INVALID;
            }
            if (nameType == SERVER_NAME_TYPE_HOST_NAME) {
                if (nameLength == 0) {
                    return TlsMalformedReason.SERVER_NAME_EMPTY;
                }
                // RFC 6066 §3 forbids a second host_name, but Suricata (app-layer-ssl.c) reads the first entry and
                // skips the rest of the extension: failing here would turn the flow's app-layer to "failed" and let a
                // client escape every tls.sni rule by repeating the name (issue #4).
                sniOffset = q;
                sniLength = nameLength;
                return TlsMalformedReason.NONE;
            }
            q += nameLength;
        }
        return TlsMalformedReason.NONE;
    }

    private TlsMalformedReason readAlpn(byte[] b, int off, int len) {
        // RFC 7301 §3.1: ProtocolName protocol_name_list<2..2^16-1>; ProtocolName: opaque<1..2^8-1>
        if (len < 3 || u16(b, off) != len - 2) {
            return TlsMalformedReason.ALPN_INVALID;
        }
        int q = off + 2;
        int end = off + len;
        while (q < end) {
            int nameLength = u8(b, q++);
            if (nameLength == 0 || end - q < nameLength) {
                return TlsMalformedReason.ALPN_INVALID;
            }
            q += nameLength;
        }
        alpnOffset = off + 2;
        alpnLength = len - 2;
        return TlsMalformedReason.NONE;
    }

    // ---- status ----

    public TlsParseStatus status() {
        return status;
    }

    /** Why the status is {@link TlsParseStatus#MALFORMED}; {@link TlsMalformedReason#NONE} otherwise. */
    public TlsMalformedReason malformedReason() {
        return reason;
    }

    /** With {@link TlsParseStatus#NOT_TLS}: the stream starts with an SSL 2.0 (or v2-compatible) CLIENT-HELLO. */
    public boolean sslv2ClientHello() {
        return sslv2ClientHello;
    }

    // ---- fields; offsets index buffer() ----

    /** The reassembled handshake bytes (read only): the ClientHello handshake header starts at index 0. */
    public byte[] buffer() {
        return records.handshake();
    }

    /** Offset just past the ClientHello in {@link #buffer()} (4 + handshake length). */
    public int messageEnd() {
        return messageEnd;
    }

    /** ProtocolVersion of the first record header (often 0x0301 whatever the hello offers). */
    public int recordVersion() {
        return records.firstRecordVersion();
    }

    /** ClientHello.legacy_version, e.g. 0x0303; TLS 1.3 is offered through {@link #highestSupportedVersion()}. */
    public int legacyVersion() {
        return legacyVersion;
    }

    public int randomOffset() {
        return randomOffset;
    }

    public int sessionIdOffset() {
        return sessionIdOffset;
    }

    public int sessionIdLength() {
        return sessionIdLength;
    }

    public int cipherSuiteCount() {
        return cipherSuitesLength / 2;
    }

    /** The {@code index}-th offered cipher suite, as sent (GREASE included). */
    public int cipherSuite(int index) {
        return u16(records.handshake(), cipherSuitesOffset + 2 * index);
    }

    public int compressionMethodsOffset() {
        return compressionMethodsOffset;
    }

    public int compressionMethodsLength() {
        return compressionMethodsLength;
    }

    /** Offset of the first extension (after the 2-byte block length), -1 when the hello has no extensions. */
    public int extensionsOffset() {
        return extensionsOffset;
    }

    public int extensionsLength() {
        return extensionsLength;
    }

    public int extensionCount() {
        return extensionCount;
    }

    /** Whether a server_name extension carried a host_name: without it {@code tls.sni} is absent. */
    public boolean hasSni() {
        return sniOffset >= 0;
    }

    /** Offset of the host_name bytes, exactly as sent (the {@code tls.sni} buffer), -1 when absent. */
    public int sniOffset() {
        return sniOffset;
    }

    public int sniLength() {
        return sniLength;
    }

    /** Whether the SNI equals {@code name} byte for byte (false when there is no SNI). */
    public boolean sniEquals(byte[] name) {
        return sniOffset >= 0 && Octets.equals(records.handshake(), sniOffset, sniLength, name);
    }

    /** Whether the SNI equals {@code name}, ASCII letters folded (the {@code nocase} of NFW's generated TLS rules). */
    public boolean sniEqualsIgnoreCase(byte[] name) {
        return sniOffset >= 0 && Octets.equalsIgnoreAsciiCase(records.handshake(), sniOffset, sniLength, name);
    }

    /**
     * Copies the SNI into {@code dst} from index 0 and returns its length; returns -1 and copies nothing when there
     * is no SNI or {@code dst} is too short.
     */
    public int copySni(byte[] dst) {
        if (sniOffset < 0 || dst.length < sniLength) {
            return -1;
        }
        System.arraycopy(records.handshake(), sniOffset, dst, 0, sniLength);
        return sniLength;
    }

    /** The SNI as a String (ISO-8859-1, one char per byte) for logs; allocates. {@code null} when absent. */
    public String sniAsString() {
        return sniOffset < 0
                ? null
                : new String(records.handshake(), sniOffset, sniLength, StandardCharsets.ISO_8859_1);
    }

    public boolean hasSupportedVersions() {
        return supportedVersionsOffset >= 0;
    }

    public int supportedVersionCount() {
        return supportedVersionsLength / 2;
    }

    public int supportedVersion(int index) {
        return u16(records.handshake(), supportedVersionsOffset + 2 * index);
    }

    /** The highest non-GREASE version in supported_versions, or {@link #legacyVersion()} without that extension. */
    public int highestSupportedVersion() {
        if (supportedVersionsOffset < 0) {
            return legacyVersion;
        }
        int highest = 0;
        for (int i = 0; i < supportedVersionCount(); i++) {
            int v = supportedVersion(i);
            if (!Octets.isGrease(v) && v > highest) {
                highest = v;
            }
        }
        return highest;
    }

    public boolean hasAlpn() {
        return alpnOffset >= 0;
    }

    /** Offset of the ALPN protocol_name_list body: 1-byte length + name, repeated. */
    public int alpnOffset() {
        return alpnOffset;
    }

    public int alpnLength() {
        return alpnLength;
    }

    /** Whether ALPN offers {@code protocol} (e.g. {@code "h2"} as bytes). */
    public boolean alpnOffers(byte[] protocol) {
        byte[] b = records.handshake();
        int q = alpnOffset;
        int end = alpnOffset + alpnLength;
        while (alpnOffset >= 0 && q < end) {
            int len = u8(b, q++);
            if (Octets.equals(b, q, len, protocol)) {
                return true;
            }
            q += len;
        }
        return false;
    }

    public int supportedGroupCount() {
        return supportedGroupsLength / 2;
    }

    public int supportedGroup(int index) {
        return u16(records.handshake(), supportedGroupsOffset + 2 * index);
    }

    public int ecPointFormatCount() {
        return ecPointFormatsLength;
    }

    public int ecPointFormat(int index) {
        return u8(records.handshake(), ecPointFormatsOffset + index);
    }

    /** Whether the hello carries encrypted_client_hello: the SNI is then the outer (public) name only. */
    public boolean hasEncryptedClientHello() {
        return echOffset >= 0;
    }

    public int echOffset() {
        return echOffset;
    }

    public int echLength() {
        return echLength;
    }

    // ---- JA3 ----

    /**
     * The longest JA3 string a parser of {@code capacityBytes} can write: the size of the array {@link
     * #writeJa3(byte[])} needs.
     */
    public static int ja3MaxLength(int capacityBytes) {
        // Each 2-byte value prints as at most 6 bytes ("65535-"), each point format as at most 4 ("255-").
        return 4 * capacityBytes + 64;
    }

    /** Writes the JA3 string into an internal scratch, allocated on the first call per instance; see below. */
    int writeJa3() {
        if (status != TlsParseStatus.DONE) {
            return -1;
        }
        if (ja3Scratch == null) {
            ja3Scratch = new byte[ja3MaxLength(records.capacity())];
        }
        return writeJa3(ja3Scratch);
    }

    /**
     * Writes the JA3 string (the {@code ja3.string} buffer: {@code
     * SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats}, decimal values joined by {@code -},
     * GREASE values of RFC 8701 left out) into {@code out} from 0 and returns its length; -1 unless the status is
     * {@link TlsParseStatus#DONE}, or when {@code out} is shorter than {@link #ja3MaxLength(int)} of this parser's
     * capacity. Allocates nothing.
     */
    public int writeJa3(byte[] out) {
        if (status != TlsParseStatus.DONE || out.length < ja3MaxLength(records.capacity())) {
            return -1;
        }
        byte[] b = records.handshake();
        int pos = Octets.writeDecimal(out, 0, legacyVersion);
        out[pos++] = ',';
        pos = writeU16List(b, cipherSuitesOffset, cipherSuitesLength, out, pos);
        out[pos++] = ',';
        boolean first = true;
        for (int p = extensionsOffset; extensionsOffset >= 0 && p < extensionsOffset + extensionsLength; ) {
            int type = u16(b, p);
            if (!Octets.isGrease(type)) {
                if (!first) {
                    out[pos++] = '-';
                }
                pos = Octets.writeDecimal(out, pos, type);
                first = false;
            }
            p += 4 + u16(b, p + 2);
        }
        out[pos++] = ',';
        if (supportedGroupsOffset >= 0) {
            pos = writeU16List(b, supportedGroupsOffset, supportedGroupsLength, out, pos);
        }
        out[pos++] = ',';
        for (int i = 0; i < ecPointFormatsLength; i++) {
            if (i > 0) {
                out[pos++] = '-';
            }
            pos = Octets.writeDecimal(out, pos, u8(b, ecPointFormatsOffset + i));
        }
        return pos;
    }

    private static int writeU16List(byte[] b, int offset, int length, byte[] out, int pos) {
        boolean first = true;
        for (int p = offset; p < offset + length; p += 2) {
            int v = u16(b, p);
            if (Octets.isGrease(v)) {
                continue;
            }
            if (!first) {
                out[pos++] = '-';
            }
            pos = Octets.writeDecimal(out, pos, v);
            first = false;
        }
        return pos;
    }

    /**
     * Writes the 16-byte MD5 of the JA3 string (the {@code ja3.hash} value) into {@code out16[0..16)}; returns false
     * unless the status is {@link TlsParseStatus#DONE}. Allocation-free after the first call on this instance.
     */
    public boolean ja3Md5(byte[] out16) {
        int length = writeJa3();
        if (length < 0 || out16.length < 16) {
            return false;
        }
        try {
            if (md5 == null) {
                md5 = MessageDigest.getInstance("MD5");
            }
            md5.update(ja3Scratch, 0, length);
            md5.digest(out16, 0, 16);
            return true;
        } catch (NoSuchAlgorithmException | DigestException e) {
            // Every JDK provides MD5 (it is required by the Java SE specification); a 16-byte output always fits.
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }

    /** The JA3 string (the {@code ja3.string} buffer); allocates. {@code null} unless DONE. */
    public String ja3String() {
        int length = writeJa3();
        return length < 0 ? null : new String(ja3Scratch, 0, length, StandardCharsets.US_ASCII);
    }

    /** The JA3 hash as 32 lowercase hex digits (the {@code ja3.hash} buffer); allocates. {@code null} unless DONE. */
    public String ja3Hash() {
        byte[] digest = new byte[16];
        return ja3Md5(digest) ? HexFormat.of().formatHex(digest) : null;
    }
}
