package org.gwlbinspect.l7;

/**
 * Why a TLS handshake parser returned {@link TlsParseStatus#MALFORMED}: one broken invariant per constant, each with a
 * stable {@link #label()} for counters. Constants are appended, never renamed; {@link #NONE} stays first.
 */
public enum TlsMalformedReason {
    /** Nothing is malformed (the status is not {@link TlsParseStatus#MALFORMED}). */
    NONE("none"),

    // ---- record layer (RFC 8446 §5.1, RFC 5246 §6.2.1) ----

    /** A record after the first has a version whose major byte is not 3 (or minor above 4). */
    RECORD_VERSION_INVALID("tls_record_version_invalid"),
    /** A record's content type is none of change_cipher_spec, alert, handshake, application_data (20-23). */
    RECORD_TYPE_UNKNOWN("tls_record_type_unknown"),
    /** A non-handshake record arrived before the awaited handshake message was complete. */
    RECORD_TYPE_UNEXPECTED("tls_record_type_unexpected"),
    /** An alert record arrived before the awaited handshake message (e.g. the server refused the handshake). */
    ALERT_RECEIVED("tls_alert_received"),
    /** A handshake record of length 0 (RFC 8446 §5.1: implementations MUST NOT send them). */
    RECORD_EMPTY("tls_record_empty"),
    /** A record longer than 2^14 bytes, the TLSPlaintext limit (RFC 8446 §5.1). */
    RECORD_OVERFLOW("tls_record_overflow"),

    // ---- handshake messages (RFC 8446 §4, RFC 5246 §7.4) ----

    /** The first handshake message is not the one this parser reads (ClientHello, resp. ServerHello). */
    HANDSHAKE_TYPE_UNEXPECTED("tls_handshake_type_unexpected"),
    /** A field runs past the end of the handshake message that contains it. */
    MESSAGE_TRUNCATED("tls_message_truncated"),
    /** legacy_session_id is longer than 32 bytes. */
    SESSION_ID_TOO_LONG("tls_session_id_too_long"),
    /** cipher_suites is empty or has an odd length. */
    CIPHER_SUITES_LENGTH_INVALID("tls_cipher_suites_length_invalid"),
    /** legacy_compression_methods is empty. */
    COMPRESSION_METHODS_EMPTY("tls_compression_methods_empty"),
    /** The extensions block length disagrees with the bytes left in the message. */
    EXTENSIONS_LENGTH_MISMATCH("tls_extensions_length_mismatch"),
    /** One extension's length runs past the end of the extensions block. */
    EXTENSION_TRUNCATED("tls_extension_truncated"),
    /** An extension this parser reads appears twice (RFC 8446 §4.2: MUST NOT). */
    EXTENSION_DUPLICATE("tls_extension_duplicate"),
    /** server_name: the ServerNameList length or an entry's length disagrees with the extension (RFC 6066 §3). */
    SERVER_NAME_LIST_INVALID("tls_server_name_list_invalid"),
    /** server_name: a host_name of length 0 (RFC 6066 §3: HostName<1..2^16-1>). */
    SERVER_NAME_EMPTY("tls_server_name_empty"),
    /**
     * No longer produced (its label stays reserved): a ServerNameList with two host_name entries is read as Suricata
     * reads it, taking the first name and ignoring the rest of the list.
     */
    SERVER_NAME_DUPLICATE("tls_server_name_duplicate"),
    /** supported_versions: odd or inconsistent list length (RFC 8446 §4.2.1), or not 2 bytes in a ServerHello. */
    SUPPORTED_VERSIONS_INVALID("tls_supported_versions_invalid"),
    /** application_layer_protocol_negotiation: list length or an empty protocol name (RFC 7301 §3.1). */
    ALPN_INVALID("tls_alpn_invalid"),
    /** supported_groups: odd or inconsistent list length (RFC 8446 §4.2.7). */
    SUPPORTED_GROUPS_INVALID("tls_supported_groups_invalid"),
    /** ec_point_formats: list length disagrees with the extension (RFC 8422 §5.1.2). */
    EC_POINT_FORMATS_INVALID("tls_ec_point_formats_invalid"),

    // ---- server certificate (RFC 5246 §7.4.2, RFC 5280 §4.1) ----

    /** Certificate message: certificate_list or the first entry's length disagrees with the message. */
    CERTIFICATE_LIST_INVALID("tls_certificate_list_invalid"),
    /** The first certificate is not the DER this parser reads up to the subject (RFC 5280 §4.1). */
    CERTIFICATE_DER_INVALID("tls_certificate_der_invalid"),
    /** The subject or issuer, printed, is longer than the parser's name buffer. */
    CERTIFICATE_NAME_TOO_LONG("tls_certificate_name_too_long"),

    // ---- record layer walked after the handshake ({@link TlsRecordTracker}) ----

    /** Bytes of the direction's stream were not seen in order (a gap, or reassembly ended): records are lost. */
    RECORD_STREAM_GAP("tls_record_stream_gap"),
    /** A record longer than 2^14 + 2048 bytes, the TLSCiphertext limit (RFC 5246 §6.2.3). */
    RECORD_CIPHERTEXT_OVERFLOW("tls_record_ciphertext_overflow");

    private final String label;

    TlsMalformedReason(String label) {
        this.label = label;
    }

    /** Stable lowercase name for metrics and logs. */
    public String label() {
        return label;
    }
}
