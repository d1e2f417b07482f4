package org.gwlbinspect.l7;

import static org.gwlbinspect.l7.Octets.u16;
import static org.gwlbinspect.l7.Octets.u24;
import static org.gwlbinspect.l7.Octets.u8;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Incremental parser of the server→client TLS handshake up to the server certificate: ServerHello (RFC 8446 §4.1.3,
 * RFC 5246 §7.4.1.3) for the negotiated version ({@code tls.version}, {@code ssl_version}) and, for TLS ≤ 1.2, the
 * Certificate message (RFC 5246 §7.4.2) whose first entry is read just far enough to print its issuer and subject
 * ({@code tls.cert_issuer}, {@code tls.cert_subject}, format in {@link X509Names}).
 *
 * <pre>
 * ServerHello: legacy_version(2) random(32) session_id&lt;0..32&gt; cipher_suite(2) compression_method(1)
 *              [extensions&lt;0..2^16-1&gt;]                          supported_versions (43): selected_version(2)
 * Certificate (TLS 1.2): certificate_list&lt;0..2^24-1&gt;(3+n), each ASN.1Cert&lt;1..2^24-1&gt;(3+n)
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version, serialNumber, signature, issuer Name,
 *                                                      validity, subject Name, ... }, ... }   (RFC 5280 §4.1)
 * </pre>
 *
 * <p>Outcomes with {@link TlsParseStatus#DONE}: TLS 1.3 negotiated ({@link #certificateEncrypted()}: the certificate
 * is inside encrypted records and never visible); TLS ≤ 1.2 with a certificate ({@link #hasCertificate()}); TLS ≤ 1.2
 * without one (resumption: change_cipher_spec follows; anonymous/PSK suites: another message follows; or an empty
 * certificate_list). Buffering is as in {@link TlsClientHelloParser}: one preallocated buffer of {@code capacityBytes}
 * (default {@value #DEFAULT_CAPACITY}, enough for ServerHello plus a leaf certificate with many SANs), plus two
 * preallocated {@value #NAME_CAPACITY}-byte arrays for the printed names. Nothing is allocated per segment; the
 * {@code ...AsString()} and {@link #ja3sString()} accessors allocate their result. Never throws on any input bytes.
 */
public final class TlsServerHelloParser {
    public static final int DEFAULT_CAPACITY = 32 * 1024;
    /** Longest printed subject or issuer; longer ones are {@link TlsMalformedReason#CERTIFICATE_NAME_TOO_LONG}. */
    public static final int NAME_CAPACITY = 4096;

    public static final int VERSION_TLS_1_3 = 0x0304;

    static final int HANDSHAKE_HEADER_LENGTH = 4;
    static final int HANDSHAKE_SERVER_HELLO = 2;
    static final int HANDSHAKE_CERTIFICATE = 11;
    static final int EXTENSION_SUPPORTED_VERSIONS = 43;

    private static final int AWAIT_SERVER_HELLO = 0;
    private static final int AWAIT_CERTIFICATE = 1;

    private final TlsRecordReader records;
    private final X509Names names = new X509Names();
    private final DerTlv tlv = new DerTlv();
    private final byte[] subject = new byte[NAME_CAPACITY];
    private final byte[] issuer = new byte[NAME_CAPACITY];

    private TlsParseStatus status;
    private TlsMalformedReason reason;
    private int state;
    private int cursor;
    private int legacyVersion;
    private int selectedVersion;
    private int cipherSuite;
    private int extensionsOffset;
    private int extensionsLength;
    private boolean certificatePresent;
    private int certificateOffset;
    private int certificateLength;
    private int serialOffset;
    private int serialLength;
    private int subjectLength;
    private int issuerLength;

    public TlsServerHelloParser() {
        this(DEFAULT_CAPACITY);
    }

    public TlsServerHelloParser(int capacityBytes) {
        if (capacityBytes < 64) {
            throw new IllegalArgumentException("capacityBytes must be at least 64, got " + capacityBytes);
        }
        this.records = new TlsRecordReader(capacityBytes);
        reset();
    }

    public void reset() {
        records.reset();
        status = TlsParseStatus.NEED_MORE;
        reason = TlsMalformedReason.NONE;
        state = AWAIT_SERVER_HELLO;
        cursor = 0;
        legacyVersion = 0;
        selectedVersion = 0;
        cipherSuite = -1;
        extensionsOffset = -1;
        extensionsLength = 0;
        certificatePresent = false;
        certificateOffset = -1;
        certificateLength = 0;
        serialOffset = -1;
        serialLength = 0;
        subjectLength = 0;
        issuerLength = 0;
    }

    /** Feeds the next in-order bytes of the server→client direction; see {@link TlsClientHelloParser#feed}. */
    public TlsParseStatus feed(ByteBuf buf, int offset, int length) {
        if (status != TlsParseStatus.NEED_MORE || length <= 0) {
            return status;
        }
        int outcome = records.feed(buf, offset, length);
        TlsParseStatus parsed = parseAvailable();
        if (parsed != TlsParseStatus.NEED_MORE) {
            return parsed;
        }
        boolean betweenMessages = cursor == records.handshakeLength();
        return switch (outcome) {
            case TlsRecordReader.CONSUMED -> TlsParseStatus.NEED_MORE;
            case TlsRecordReader.OTHER_RECORD -> {
                int type = records.otherRecordType();
                if (type == TlsRecordReader.CONTENT_ALERT) {
                    yield malformed(TlsMalformedReason.ALERT_RECEIVED);
                }
                if (state == AWAIT_CERTIFICATE
                        && betweenMessages
                        && type == TlsRecordReader.CONTENT_CHANGE_CIPHER_SPEC) {
                    yield status = TlsParseStatus.DONE; // abbreviated (resumed) handshake: no Certificate is sent
                }
                yield malformed(TlsMalformedReason.RECORD_TYPE_UNEXPECTED);
            }
            case TlsRecordReader.NOT_TLS -> status = TlsParseStatus.NOT_TLS;
            case TlsRecordReader.BAD_RECORD -> malformed(records.reason());
            default -> status = TlsParseStatus.TOO_LARGE; // BUFFER_FULL before the awaited message was complete
        };
    }

    private TlsParseStatus malformed(TlsMalformedReason why) {
        reason = why;
        return status = TlsParseStatus.MALFORMED;
    }

    private TlsParseStatus parseAvailable() {
        byte[] b = records.handshake();
        int available = records.handshakeLength();
        if (available - cursor < HANDSHAKE_HEADER_LENGTH) {
            return TlsParseStatus.NEED_MORE;
        }
        int type = u8(b, cursor);
        int messageLength = u24(b, cursor + 1);
        int body = cursor + HANDSHAKE_HEADER_LENGTH;
        if (state == AWAIT_SERVER_HELLO) {
            if (type != HANDSHAKE_SERVER_HELLO) {
                return malformed(TlsMalformedReason.HANDSHAKE_TYPE_UNEXPECTED);
            }
            if (messageLength > records.capacity() - body) {
                return status = TlsParseStatus.TOO_LARGE;
            }
            if (available - body < messageLength) {
                return TlsParseStatus.NEED_MORE;
            }
            TlsParseStatus hello = parseServerHello(b, body, body + messageLength);
            if (hello != TlsParseStatus.NEED_MORE) {
                return hello;
            }
            cursor = body + messageLength;
            state = AWAIT_CERTIFICATE;
            return parseAvailable();
        }
        if (type != HANDSHAKE_CERTIFICATE) {
            return status = TlsParseStatus.DONE; // ServerKeyExchange / ServerHelloDone: no certificate (anon, PSK)
        }
        return parseCertificate(b, body, messageLength, available);
    }

    private TlsParseStatus parseServerHello(byte[] b, int p, int end) {
        if (end - p < 2 + 32 + 1) {
            return malformed(TlsMalformedReason.MESSAGE_TRUNCATED);
        }
        legacyVersion = u16(b, p);
        p += 2 + 32;
        int sessionId = u8(b, p++);
        if (sessionId > 32) {
            return malformed(TlsMalformedReason.SESSION_ID_TOO_LONG);
        }
        if (end - p < sessionId + 3) {
            return malformed(TlsMalformedReason.MESSAGE_TRUNCATED);
        }
        p += sessionId;
        cipherSuite = u16(b, p);
        p += 3; // cipher_suite, legacy_compression_method
        if (p < end) {
            if (end - p < 2 || u16(b, p) != end - p - 2) {
                return malformed(TlsMalformedReason.EXTENSIONS_LENGTH_MISMATCH);
            }
            p += 2;
            extensionsOffset = p;
            extensionsLength = end - p;
            while (p < end) {
                if (end - p < 4 || end - p - 4 < u16(b, p + 2)) {
                    return malformed(TlsMalformedReason.EXTENSION_TRUNCATED);
                }
                int type = u16(b, p);
                int len = u16(b, p + 2);
                if (type == EXTENSION_SUPPORTED_VERSIONS) {
                    if (selectedVersion != 0) {
                        return malformed(TlsMalformedReason.EXTENSION_DUPLICATE);
                    }
                    if (len != 2) {
                        return malformed(TlsMalformedReason.SUPPORTED_VERSIONS_INVALID);
                    }
                    selectedVersion = u16(b, p + 4);
                }
                p += 4 + len;
            }
        }
        if (certificateEncrypted()) {
            return status = TlsParseStatus.DONE;
        }
        return TlsParseStatus.NEED_MORE;
    }

    private TlsParseStatus parseCertificate(byte[] b, int body, int messageLength, int available) {
        // Only the first certificate is needed: wait for its bytes, not for the whole chain.
        if (messageLength < 3) {
            return malformed(TlsMalformedReason.CERTIFICATE_LIST_INVALID);
        }
        if (available - body < 3) {
            return needMoreOrTooLarge(body + 3);
        }
        int listLength = u24(b, body);
        if (listLength != messageLength - 3) {
            return malformed(TlsMalformedReason.CERTIFICATE_LIST_INVALID);
        }
        if (listLength == 0) {
            return status = TlsParseStatus.DONE; // the server sent no certificate
        }
        if (listLength < 3) {
            return malformed(TlsMalformedReason.CERTIFICATE_LIST_INVALID);
        }
        if (available - body < 6) {
            return needMoreOrTooLarge(body + 6);
        }
        int certLength = u24(b, body + 3);
        if (certLength == 0 || certLength > listLength - 3) {
            return malformed(TlsMalformedReason.CERTIFICATE_LIST_INVALID);
        }
        int certStart = body + 6;
        if (available - certStart < certLength) {
            return needMoreOrTooLarge(certStart + certLength);
        }
        certificatePresent = true;
        certificateOffset = certStart;
        certificateLength = certLength;
        return parseDer(b, certStart, certStart + certLength);
    }

    private TlsParseStatus needMoreOrTooLarge(int needed) {
        return needed > records.capacity() ? (status = TlsParseStatus.TOO_LARGE) : TlsParseStatus.NEED_MORE;
    }

    private TlsParseStatus parseDer(byte[] b, int start, int end) {
        DerTlv t = tlv;
        if (!t.read(b, start, end, DerTlv.TAG_SEQUENCE)) { // Certificate
            return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
        }
        if (!t.read(b, t.contentOffset, t.contentEnd, DerTlv.TAG_SEQUENCE)) { // tbsCertificate
            return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
        }
        int tbsEnd = t.contentEnd;
        int p = t.contentOffset;
        if (!t.read(b, p, tbsEnd)) {
            return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
        }
        if (t.tag == DerTlv.TAG_CONTEXT_0) { // version, absent for v1 certificates
            p = t.contentEnd;
            if (!t.read(b, p, tbsEnd)) {
                return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
            }
        }
        if (t.tag != DerTlv.TAG_INTEGER) {
            return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
        }
        serialOffset = t.contentOffset;
        serialLength = t.contentEnd - t.contentOffset;
        if (!t.read(b, t.contentEnd, tbsEnd, DerTlv.TAG_SEQUENCE) // signature AlgorithmIdentifier
                || !t.read(b, t.contentEnd, tbsEnd, DerTlv.TAG_SEQUENCE)) { // issuer
            return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
        }
        issuerLength = names.print(b, t.contentOffset, t.contentEnd, issuer);
        if (issuerLength < 0) {
            return nameFailure(issuerLength);
        }
        if (!t.read(b, t.contentEnd, tbsEnd, DerTlv.TAG_SEQUENCE) // validity
                || !t.read(b, t.contentEnd, tbsEnd, DerTlv.TAG_SEQUENCE)) { // subject
            return malformed(TlsMalformedReason.CERTIFICATE_DER_INVALID);
        }
        subjectLength = names.print(b, t.contentOffset, t.contentEnd, subject);
        if (subjectLength < 0) {
            return nameFailure(subjectLength);
        }
        return status = TlsParseStatus.DONE;
    }

    private TlsParseStatus nameFailure(int printed) {
        subjectLength = 0;
        issuerLength = 0;
        return malformed(
                printed == X509Names.TOO_LONG
                        ? TlsMalformedReason.CERTIFICATE_NAME_TOO_LONG
                        : TlsMalformedReason.CERTIFICATE_DER_INVALID);
    }

    // ---- results ----

    public TlsParseStatus status() {
        return status;
    }

    public TlsMalformedReason malformedReason() {
        return reason;
    }

    /** The reassembled handshake bytes (read only); offsets returned by accessors index this array. */
    public byte[] buffer() {
        return records.handshake();
    }

    public int recordVersion() {
        return records.firstRecordVersion();
    }

    /** ServerHello.legacy_version (0x0303 also for TLS 1.3, RFC 8446 §4.1.3). */
    public int legacyVersion() {
        return legacyVersion;
    }

    /** supported_versions.selected_version, 0 when the ServerHello has no such extension. */
    public int selectedVersion() {
        return selectedVersion;
    }

    /** The negotiated version: selected_version when present, else legacy_version (e.g. 0x0303 = TLS 1.2). */
    public int negotiatedVersion() {
        return selectedVersion != 0 ? selectedVersion : legacyVersion;
    }

    public int cipherSuite() {
        return cipherSuite;
    }

    /** TLS 1.3 (or a 1.3 draft, 0x7Fxx) was negotiated: the Certificate message is encrypted and cannot be read. */
    public boolean certificateEncrypted() {
        int v = negotiatedVersion();
        return v >= VERSION_TLS_1_3 && (v >>> 8) == 3 || (v >>> 8) == 0x7F;
    }

    /** Whether the first certificate was read (TLS ≤ 1.2 and the server sent one). */
    public boolean hasCertificate() {
        return certificatePresent && status == TlsParseStatus.DONE;
    }

    /** Offset of the first certificate's DER in {@link #buffer()} (for {@code tls.cert_fingerprint}), -1 if none. */
    public int certificateOffset() {
        return certificateOffset;
    }

    public int certificateLength() {
        return certificateLength;
    }

    /** Offset of serialNumber's content octets in {@link #buffer()}, -1 if no certificate. */
    public int serialOffset() {
        return serialOffset;
    }

    public int serialLength() {
        return serialLength;
    }

    /** The printed subject ({@code tls.cert_subject}), valid from 0 to {@link #subjectLength()}. */
    public byte[] subject() {
        return subject;
    }

    public int subjectLength() {
        return subjectLength;
    }

    /** The printed issuer ({@code tls.cert_issuer}), valid from 0 to {@link #issuerLength()}. */
    public byte[] issuer() {
        return issuer;
    }

    public int issuerLength() {
        return issuerLength;
    }

    /** Allocates; for logs and tests. */
    public String subjectAsString() {
        return new String(subject, 0, subjectLength, StandardCharsets.UTF_8);
    }

    /** Allocates; for logs and tests. */
    public String issuerAsString() {
        return new String(issuer, 0, issuerLength, StandardCharsets.UTF_8);
    }

    /**
     * JA3S ({@code SSLVersion,Cipher,SSLExtension}: ServerHello legacy_version, cipher suite, extension types joined by
     * {@code -}, GREASE left out); allocates. {@code null} before the ServerHello was parsed.
     */
    public String ja3sString() {
        if (cipherSuite < 0) {
            return null;
        }
        StringBuilder s = new StringBuilder(64)
                .append(legacyVersion)
                .append(',')
                .append(cipherSuite)
                .append(',');
        byte[] b = records.handshake();
        boolean first = true;
        int end = extensionsOffset + extensionsLength;
        // Bounds re-checked: the walk may run on a ServerHello whose extensions turned out malformed.
        for (int p = extensionsOffset; extensionsOffset >= 0 && end - p >= 4 && end - p - 4 >= u16(b, p + 2); ) {
            int type = u16(b, p);
            if (!Octets.isGrease(type)) {
                s.append(first ? "" : "-").append(type);
                first = false;
            }
            p += 4 + u16(b, p + 2);
        }
        return s.toString();
    }
}
