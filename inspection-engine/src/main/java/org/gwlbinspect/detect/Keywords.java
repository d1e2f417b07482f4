package org.gwlbinspect.detect;

import java.util.Map;
import java.util.Set;

/**
 * The keyword tables behind the parser's error messages: what AWS Network Firewall rejects (policy.md §3.2), what
 * Suricata 7 knows but this appliance does not model, and the legacy forms that have a sticky-buffer replacement.
 */
final class Keywords {
    private Keywords() {}

    /** policy.md §3.2. */
    static final Set<String> NFW_UNSUPPORTED = Set.of(
            "dataset",
            "datarep",
            "threshold",
            "detection_filter",
            "iprep",
            "lua",
            "luajit",
            "filestore",
            "filemd5",
            "filesha1",
            "filesha256",
            "filename",
            "file.name",
            "fileext",
            "filemagic",
            "file.magic",
            "filesize",
            "xbits",
            "hostbits",
            "ftpdata_command",
            "enip_command",
            "cip_service",
            "cip_class",
            "cip_attribute",
            "cip_instance",
            "cip_extendedservice");

    /** Prefixes of keyword families NFW does not support (ENIP/CIP, IKEv2, QUIC). */
    static final Set<String> NFW_UNSUPPORTED_PREFIXES = Set.of("enip.", "cip.", "ike.", "ikev2.", "quic.");

    /** Suricata 7 keywords (outside the prefixes below) that this appliance does not model. */
    static final Set<String> APPLIANCE_UNSUPPORTED = Set.of(
            "byte_test",
            "byte_jump",
            "byte_extract",
            "byte_math",
            "bitmask",
            "rawbytes",
            "urilen",
            "flowint",
            "flowvar",
            "pktvar",
            "window",
            "itype",
            "icode",
            "icmp_id",
            "icmp_seq",
            "fragbits",
            "fragoffset",
            "id",
            "ipopts",
            "seq",
            "ack",
            "tos",
            "sameip",
            "geoip",
            "stream_size",
            "stream-event",
            "app-layer-event",
            "decode-event",
            "engine-event",
            "app-layer-state",
            "base64_decode",
            "base64_data",
            "replace",
            "prefilter",
            "target",
            "requires",
            "config",
            "asn1",
            "pkt_data",
            "file_data",
            "dce_iface",
            "dce_opnum",
            "dce_stub_data",
            "ftpbounce",
            "pcrexform",
            "url_decode",
            "xor",
            "header_lowercase",
            "to_md5",
            "to_sha1",
            "to_sha256",
            "to_uppercase",
            "compress_whitespace",
            "strip_pseudo_headers",
            "from_base64",
            "tag",
            "bypass",
            "ssh_proto",
            "ssh_software",
            "tls_cert_serial",
            "tls_cert_fingerprint",
            "ja3s_hash",
            "ja3s_string",
            "nfs_procedure",
            "nfs.version",
            "template",
            "modbus");

    /**
     * Prefixes of Suricata keyword families: a name with one of these that is not modelled is a real Suricata keyword
     * this appliance does not support, not a typo.
     */
    static final Set<String> APPLIANCE_UNSUPPORTED_PREFIXES = Set.of(
            "http.",
            "http2.",
            "tls.",
            "ja3s.",
            "ja4",
            "dns.",
            "ssh.",
            "file.",
            "smb.",
            "krb5",
            "snmp.",
            "sip.",
            "mqtt.",
            "rfb.",
            "dnp3",
            "dhcp.",
            "ntp.",
            "tftp.",
            "smtp.",
            "ftp.",
            "tcp.",
            "ipv4.",
            "ipv6.",
            "icmpv4.",
            "icmpv6.",
            "udp.",
            "pgsql.",
            "rdp.",
            "websocket.",
            "ldap.",
            "dcerpc.",
            "frame");

    /** Pre-sticky-buffer content modifiers and the sticky buffer that replaces each. */
    static final Map<String, String> LEGACY_CONTENT_MODIFIERS = Map.ofEntries(
            Map.entry("http_uri", "http.uri"),
            Map.entry("http_raw_uri", "http.uri.raw"),
            Map.entry("http_host", "http.host"),
            Map.entry("http_raw_host", "http.host.raw"),
            Map.entry("http_method", "http.method"),
            Map.entry("http_header", "http.header"),
            Map.entry("http_raw_header", "http.header.raw"),
            Map.entry("http_user_agent", "http.user_agent"),
            Map.entry("http_cookie", "http.cookie"),
            Map.entry("http_raw_cookie", "http.cookie"),
            Map.entry("http_client_body", "http.request_body"),
            Map.entry("http_server_body", "http.response_body"),
            Map.entry("http_stat_code", "http.stat_code"),
            Map.entry("http_stat_msg", "http.stat_msg"),
            Map.entry("uricontent", "http.uri"));

    /** Sticky-buffer keywords, including the older underscore aliases Suricata 7 still accepts. */
    static final Map<String, Buffer> STICKY_BUFFERS = Map.ofEntries(
            Map.entry("tls.sni", Buffer.TLS_SNI),
            Map.entry("tls_sni", Buffer.TLS_SNI),
            Map.entry("tls.cert_subject", Buffer.TLS_CERT_SUBJECT),
            Map.entry("tls_cert_subject", Buffer.TLS_CERT_SUBJECT),
            Map.entry("tls.cert_issuer", Buffer.TLS_CERT_ISSUER),
            Map.entry("tls_cert_issuer", Buffer.TLS_CERT_ISSUER),
            Map.entry("ja3.hash", Buffer.JA3_HASH),
            Map.entry("ja3_hash", Buffer.JA3_HASH),
            Map.entry("ja3.string", Buffer.JA3_STRING),
            Map.entry("ja3_string", Buffer.JA3_STRING),
            Map.entry("http.host", Buffer.HTTP_HOST),
            Map.entry("http.host.raw", Buffer.HTTP_HOST_RAW),
            Map.entry("http.uri", Buffer.HTTP_URI),
            Map.entry("http.uri.raw", Buffer.HTTP_URI_RAW),
            Map.entry("http.method", Buffer.HTTP_METHOD),
            Map.entry("http.user_agent", Buffer.HTTP_USER_AGENT),
            Map.entry("http.header", Buffer.HTTP_HEADER),
            Map.entry("http.header_names", Buffer.HTTP_HEADER_NAMES),
            Map.entry("http.request_header", Buffer.HTTP_REQUEST_HEADER),
            Map.entry("dns.query", Buffer.DNS_QUERY),
            Map.entry("dns_query", Buffer.DNS_QUERY));

    /** Header protocols NFW rejects (policy.md §3.2: SCTP, IKEv2, QUIC, ENIP). */
    static final Set<String> NFW_UNSUPPORTED_PROTOCOLS = Set.of("sctp", "ikev2", "ike", "quic", "enip");

    /** Suricata 7 header protocols this appliance does not model. */
    static final Set<String> APPLIANCE_UNSUPPORTED_PROTOCOLS = Set.of(
            "http1",
            "ftp-data",
            "modbus",
            "dnp3",
            "nfs",
            "snmp",
            "sip",
            "rfb",
            "mqtt",
            "rdp",
            "pgsql",
            "telnet",
            "bittorrent-dht",
            "websocket",
            "ldap",
            "template",
            "pkthdr",
            "ipv4",
            "ipv6",
            "icmpv4",
            "icmpv6",
            "tcp-pkt",
            "tcp-stream");

    /** Names {@code app-layer-protocol} accepts (Suricata 7 alproto names NFW can detect, plus {@code failed}). */
    static final Set<String> APP_LAYER_PROTOCOLS = Set.of(
            "http", "http1", "http2", "tls", "dns", "ssh", "ftp", "smb", "dcerpc", "smtp", "imap", "msn", "krb5",
            "tftp", "ntp", "dhcp", "failed");

    /** IP protocol names {@code ip_proto} accepts. */
    static final Map<String, Integer> IP_PROTOCOL_NUMBERS = Map.ofEntries(
            Map.entry("icmp", 1),
            Map.entry("igmp", 2),
            Map.entry("tcp", 6),
            Map.entry("udp", 17),
            Map.entry("ipv6", 41),
            Map.entry("gre", 47),
            Map.entry("esp", 50),
            Map.entry("ah", 51),
            Map.entry("ipv6-icmp", 58),
            Map.entry("icmpv6", 58),
            Map.entry("ospf", 89),
            Map.entry("pim", 103),
            Map.entry("vrrp", 112),
            Map.entry("sctp", 132));

    static boolean hasPrefix(String keyword, Set<String> prefixes) {
        for (String prefix : prefixes) {
            if (keyword.startsWith(prefix)) return true;
        }
        return false;
    }
}
