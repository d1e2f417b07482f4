package org.gwlbinspect.eve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes one {@link EveRecord} as an NFW log line (policy.md §4): the envelope {@code firewall_name},
 * {@code availability_zone}, {@code event_timestamp}, optional {@code aws_metadata}, then Suricata's EVE {@code event}
 * with keys in Suricata 7's order. Used by the writer thread only; allocates nothing per record (field names and
 * enum values are pre-encoded, numbers and addresses are formatted into scratch arrays). Not thread-safe: one
 * instance per writing thread. Public for benchmarks and tools; producers go through {@link EveLog}.
 */
public final class EveSerializer {

    // Suricata 7 writes "reject-target" (output-json-alert.c EveAddVerdict), not "reject_target".
    static final String REJECT_TARGET_KEY = "reject-target";

    private static final SerializedString FIREWALL_NAME = key("firewall_name");
    private static final SerializedString AVAILABILITY_ZONE = key("availability_zone");
    private static final SerializedString EVENT_TIMESTAMP = key("event_timestamp");
    private static final SerializedString AWS_METADATA = key("aws_metadata");
    private static final SerializedString RESOURCE_ARN = key("resource_arn");
    private static final SerializedString EVENT = key("event");
    private static final SerializedString TIMESTAMP = key("timestamp");
    private static final SerializedString FLOW_ID = key("flow_id");
    private static final SerializedString EVENT_TYPE = key("event_type");
    private static final SerializedString TX_ID = key("tx_id");
    private static final SerializedString SRC_IP = key("src_ip");
    private static final SerializedString SRC_PORT = key("src_port");
    private static final SerializedString DEST_IP = key("dest_ip");
    private static final SerializedString DEST_PORT = key("dest_port");
    private static final SerializedString PROTO = key("proto");
    private static final SerializedString ICMP_TYPE = key("icmp_type");
    private static final SerializedString ICMP_CODE = key("icmp_code");
    private static final SerializedString APP_PROTO = key("app_proto");
    private static final SerializedString DIRECTION = key("direction");
    private static final SerializedString ALERT = key("alert");
    private static final SerializedString ACTION = key("action");
    private static final SerializedString SIGNATURE_ID = key("signature_id");
    private static final SerializedString REV = key("rev");
    private static final SerializedString SIGNATURE = key("signature");
    private static final SerializedString CATEGORY = key("category");
    private static final SerializedString SEVERITY = key("severity");
    private static final SerializedString METADATA = key("metadata");
    private static final SerializedString VERDICT = key("verdict");
    private static final SerializedString WOULD_VERDICT = key("would_verdict");
    private static final SerializedString REJECT_TARGET = key(REJECT_TARGET_KEY);
    private static final SerializedString TO_CLIENT = key("to_client");
    private static final SerializedString REJECT = key("reject");
    private static final SerializedString TCP_RESET = key("tcp-reset");
    private static final SerializedString ICMP_PROHIB = key("icmp-prohib");
    private static final SerializedString TLS = key("tls");
    private static final SerializedString SNI = key("sni");
    private static final SerializedString VERSION = key("version");
    private static final SerializedString JA3 = key("ja3");
    private static final SerializedString JA3S = key("ja3s");
    private static final SerializedString HTTP = key("http");
    private static final SerializedString HOSTNAME = key("hostname");
    private static final SerializedString URL = key("url");
    private static final SerializedString HTTP_USER_AGENT = key("http_user_agent");
    private static final SerializedString HTTP_METHOD = key("http_method");
    private static final SerializedString PROTOCOL = key("protocol");
    private static final SerializedString STATUS = key("status");
    private static final SerializedString LENGTH = key("length");
    private static final SerializedString DNS = key("dns");
    private static final SerializedString QUERY = key("query");
    private static final SerializedString TYPE = key("type");
    private static final SerializedString RRNAME = key("rrname");
    private static final SerializedString RRTYPE = key("rrtype");
    private static final SerializedString DESTINATION_BINDING = key("destination_binding");
    private static final SerializedString NAME = key("name");
    private static final SerializedString RESULT = key("result");
    private static final SerializedString NETFLOW = key("netflow");
    private static final SerializedString PKTS = key("pkts");
    private static final SerializedString BYTES = key("bytes");
    private static final SerializedString START = key("start");
    private static final SerializedString END = key("end");
    private static final SerializedString AGE = key("age");
    private static final SerializedString MIN_TTL = key("min_ttl");
    private static final SerializedString MAX_TTL = key("max_ttl");
    private static final SerializedString STATE = key("state");
    private static final SerializedString REASON = key("reason");
    private static final SerializedString ALERTED = key("alerted");
    private static final SerializedString TCP = key("tcp");
    private static final SerializedString TCP_FLAGS = key("tcp_flags");

    // Suricata's EveTcpFlags order and bits (TH_ECN is the ECE bit).
    private static final SerializedString[] TCP_FLAG_NAMES = {
        key("syn"), key("fin"), key("rst"), key("psh"), key("ack"), key("urg"), key("ecn"), key("cwr")
    };
    private static final int[] TCP_FLAG_BITS = {0x02, 0x01, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};

    private static final SerializedString[] PROTO_NAMES = protoNames();
    private static final SerializedString[] TWO_HEX_DIGITS = twoHexDigits();

    private static final byte[] UNDETERMINED = ascii("UNDETERMINED");
    private static final byte[] SSL_V2 = ascii("SSLv2");
    private static final byte[] SSL_V3 = ascii("SSLv3");
    private static final byte[] TLS_V1 = ascii("TLSv1");
    private static final byte[] TLS_1_1 = ascii("TLS 1.1");
    private static final byte[] TLS_1_2 = ascii("TLS 1.2");
    private static final byte[] TLS_1_3 = ascii("TLS 1.3");
    private static final byte[] HEX = ascii("0123456789abcdef");

    private final SerializedString firewallName;
    private final SerializedString availabilityZone;

    /** Text of addresses, timestamps and numbers; large enough for a 2 KiB url with every byte escaped. */
    private final byte[] scratch = new byte[EveRecord.MAX_HTTP_URL * 4];

    public EveSerializer(String firewallName, String availabilityZone) {
        this.firewallName = new SerializedString(firewallName);
        this.availabilityZone = new SerializedString(availabilityZone);
    }

    /**
     * Writes the whole record as one root-level JSON object; the caller flushes and adds the newline. Give the
     * generator a {@code null} root value separator, or Jackson puts a space between records.
     */
    public void write(EveRecord r, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeFieldName(FIREWALL_NAME);
        g.writeString(firewallName);
        g.writeFieldName(AVAILABILITY_ZONE);
        g.writeString(availabilityZone);
        g.writeFieldName(EVENT_TIMESTAMP);
        g.writeUTF8String(scratch, 0, Timestamps.formatEpochSeconds(r.timestampMicros, scratch, 0));
        if (r.resourceArn != null) {
            g.writeFieldName(AWS_METADATA);
            g.writeStartObject();
            g.writeFieldName(RESOURCE_ARN);
            g.writeString(r.resourceArn);
            g.writeEndObject();
        }
        g.writeFieldName(EVENT);
        g.writeStartObject();
        writeHeader(r, g);
        if (r.type == EveRecord.EventType.ALERT) {
            writeAlert(r, g);
        } else {
            writeNetflow(r, g);
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private void writeHeader(EveRecord r, JsonGenerator g) throws IOException {
        g.writeFieldName(TIMESTAMP);
        writeTimestamp(r.timestampMicros, g);
        g.writeFieldName(FLOW_ID);
        g.writeNumber(r.flowId);
        g.writeFieldName(EVENT_TYPE);
        g.writeString(r.type.json);
        if (r.txId >= 0) {
            g.writeFieldName(TX_ID);
            g.writeNumber(r.txId);
        }
        boolean ports = r.proto == 6 || r.proto == 17 || r.proto == 132;
        g.writeFieldName(SRC_IP);
        writeAddress(r.ipVersion, r.srcHi, r.srcLo, g);
        if (ports) {
            g.writeFieldName(SRC_PORT);
            g.writeNumber(r.srcPort);
        }
        g.writeFieldName(DEST_IP);
        writeAddress(r.ipVersion, r.dstHi, r.dstLo, g);
        if (ports) {
            g.writeFieldName(DEST_PORT);
            g.writeNumber(r.destPort);
        }
        g.writeFieldName(PROTO);
        g.writeString(PROTO_NAMES[r.proto]);
        if ((r.proto == 1 || r.proto == 58) && r.icmpType >= 0) {
            g.writeFieldName(ICMP_TYPE);
            g.writeNumber(r.icmpType);
            g.writeFieldName(ICMP_CODE);
            g.writeNumber(r.icmpCode);
        }
        if (r.appProto.json != null) {
            g.writeFieldName(APP_PROTO);
            g.writeString(r.appProto.json);
        }
        if (r.direction.json != null) {
            g.writeFieldName(DIRECTION);
            g.writeString(r.direction.json);
        }
    }

    private void writeAlert(EveRecord r, JsonGenerator g) throws IOException {
        g.writeFieldName(ALERT);
        g.writeStartObject();
        g.writeFieldName(ACTION);
        g.writeString(r.alertAction.json);
        g.writeFieldName(SIGNATURE_ID);
        g.writeNumber(r.signatureId);
        g.writeFieldName(REV);
        g.writeNumber(r.rev);
        g.writeFieldName(SIGNATURE);
        g.writeString(r.signature);
        g.writeFieldName(CATEGORY);
        g.writeString(r.category);
        g.writeFieldName(SEVERITY);
        g.writeNumber(r.severity);
        if (r.metadataJson != null) {
            g.writeFieldName(METADATA);
            g.writeRawValue(r.metadataJson);
        }
        g.writeEndObject();

        if (r.verdict.json != null) writeVerdict(VERDICT, r.verdict, r.reject, r, g);
        if (r.wouldVerdict.json != null) writeVerdict(WOULD_VERDICT, r.wouldVerdict, r.wouldReject, r, g);
        if (r.tls) {
            writeTls(r, g);
        }
        if (r.http) {
            writeHttp(r, g);
        }
        if (r.dns) {
            writeDns(r, g);
        }
        if (r.bindingResult != null) {
            g.writeFieldName(DESTINATION_BINDING);
            g.writeStartObject();
            writeOptionalBytes(NAME, r.bindingName, r.bindingNameLength, g);
            g.writeFieldName(RESULT);
            g.writeString(r.bindingResult);
            g.writeEndObject();
        }
    }

    private void writeVerdict(
            SerializedString name, EveRecord.VerdictAction action, boolean reject, EveRecord r, JsonGenerator g)
            throws IOException {
        g.writeFieldName(name);
        g.writeStartObject();
        g.writeFieldName(ACTION);
        g.writeString(action.json);
        if (reject) {
            g.writeFieldName(REJECT_TARGET);
            g.writeString(TO_CLIENT);
            g.writeFieldName(REJECT);
            g.writeStartArray();
            g.writeString(r.proto == 6 ? TCP_RESET : ICMP_PROHIB);
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private void writeTls(EveRecord r, JsonGenerator g) throws IOException {
        g.writeFieldName(TLS);
        g.writeStartObject();
        if (r.sniLength >= 0) {
            g.writeFieldName(SNI);
            writeBytes(r.sni, r.sniLength, g);
        }
        g.writeFieldName(VERSION);
        writeTlsVersion(r.tlsVersion, g);
        if (r.tlsEmptyJa3) {
            g.writeFieldName(JA3);
            g.writeStartObject();
            g.writeEndObject();
            g.writeFieldName(JA3S);
            g.writeStartObject();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private void writeHttp(EveRecord r, JsonGenerator g) throws IOException {
        g.writeFieldName(HTTP);
        g.writeStartObject();
        writeOptionalBytes(HOSTNAME, r.httpHostname, r.httpHostnameLength, g);
        writeOptionalBytes(URL, r.httpUrl, r.httpUrlLength, g);
        writeOptionalBytes(HTTP_USER_AGENT, r.httpUserAgent, r.httpUserAgentLength, g);
        writeOptionalBytes(HTTP_METHOD, r.httpMethod, r.httpMethodLength, g);
        writeOptionalBytes(PROTOCOL, r.httpProtocol, r.httpProtocolLength, g);
        if (r.httpStatus >= 0) {
            g.writeFieldName(STATUS);
            g.writeNumber(r.httpStatus);
        }
        if (r.httpLength >= 0) {
            g.writeFieldName(LENGTH);
            g.writeNumber(r.httpLength);
        }
        g.writeEndObject();
    }

    private void writeDns(EveRecord r, JsonGenerator g) throws IOException {
        g.writeFieldName(DNS);
        g.writeStartObject();
        g.writeFieldName(QUERY);
        g.writeStartArray();
        g.writeStartObject();
        g.writeFieldName(TYPE);
        g.writeString(QUERY);
        writeOptionalBytes(RRNAME, r.dnsRrname, r.dnsRrnameLength, g);
        if (r.dnsRrtype >= 0) {
            g.writeFieldName(RRTYPE);
            writeRrtype(r.dnsRrtype, g);
        }
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
    }

    private void writeNetflow(EveRecord r, JsonGenerator g) throws IOException {
        g.writeFieldName(NETFLOW);
        g.writeStartObject();
        g.writeFieldName(PKTS);
        g.writeNumber(r.pkts);
        g.writeFieldName(BYTES);
        g.writeNumber(r.bytes);
        g.writeFieldName(START);
        writeTimestamp(r.startMicros, g);
        g.writeFieldName(END);
        writeTimestamp(r.endMicros, g);
        g.writeFieldName(AGE);
        // Suricata: age = lastts.tv_sec - startts.tv_sec.
        g.writeNumber(Math.floorDiv(r.endMicros, 1_000_000L) - Math.floorDiv(r.startMicros, 1_000_000L));
        g.writeFieldName(MIN_TTL);
        g.writeNumber(r.minTtl);
        g.writeFieldName(MAX_TTL);
        g.writeNumber(r.maxTtl);
        if (r.flowState.json != null) {
            g.writeFieldName(STATE);
            g.writeString(r.flowState.json);
            g.writeFieldName(REASON);
            g.writeString(r.flowReason.json);
            g.writeFieldName(ALERTED);
            g.writeBoolean(r.alerted);
        }
        g.writeEndObject();
        if (r.tcpFlags >= 0) {
            g.writeFieldName(TCP);
            g.writeStartObject();
            g.writeFieldName(TCP_FLAGS);
            g.writeString(TWO_HEX_DIGITS[r.tcpFlags]);
            for (int i = 0; i < TCP_FLAG_BITS.length; i++) {
                if ((r.tcpFlags & TCP_FLAG_BITS[i]) != 0) {
                    g.writeFieldName(TCP_FLAG_NAMES[i]);
                    g.writeBoolean(true);
                }
            }
            g.writeEndObject();
        }
    }

    private void writeTimestamp(long micros, JsonGenerator g) throws IOException {
        g.writeUTF8String(scratch, 0, Timestamps.formatIso8601Micros(micros, scratch, 0));
    }

    private void writeAddress(int ipVersion, long hi, long lo, JsonGenerator g) throws IOException {
        int length =
                ipVersion == 6 ? IpAddresses.formatIpv6(hi, lo, scratch, 0) : IpAddresses.formatIpv4(lo, scratch, 0);
        g.writeUTF8String(scratch, 0, length);
    }

    private void writeTlsVersion(int version, JsonGenerator g) throws IOException {
        byte[] name =
                switch (version) {
                    case 0 -> UNDETERMINED;
                    case 0x0200 -> SSL_V2;
                    case 0x0300 -> SSL_V3;
                    case 0x0301 -> TLS_V1;
                    case 0x0302 -> TLS_1_1;
                    case 0x0303 -> TLS_1_2;
                    case 0x0304 -> TLS_1_3;
                    default -> null;
                };
        if (name != null) {
            g.writeUTF8String(name, 0, name.length);
            return;
        }
        scratch[0] = '0';
        scratch[1] = 'x';
        for (int i = 0; i < 4; i++) {
            scratch[2 + i] = HEX[(version >>> (12 - 4 * i)) & 0xF];
        }
        g.writeUTF8String(scratch, 0, 6);
    }

    private void writeRrtype(int rrtype, JsonGenerator g) throws IOException {
        String name =
                switch (rrtype) {
                    case 1 -> "A";
                    case 2 -> "NS";
                    case 5 -> "CNAME";
                    case 6 -> "SOA";
                    case 12 -> "PTR";
                    case 15 -> "MX";
                    case 16 -> "TXT";
                    case 28 -> "AAAA";
                    case 33 -> "SRV";
                    case 64 -> "SVCB";
                    case 65 -> "HTTPS";
                    case 255 -> "ANY";
                    default -> null;
                };
        if (name != null) {
            g.writeString(name);
            return;
        }
        // Suricata writes an rrtype without a mnemonic as its decimal number, in a string.
        int length = 1;
        for (int rest = rrtype / 10; rest != 0; rest /= 10) {
            length++;
        }
        for (int i = length - 1, rest = rrtype; i >= 0; i--, rest /= 10) {
            scratch[i] = (byte) ('0' + rest % 10);
        }
        g.writeUTF8String(scratch, 0, length);
    }

    private void writeOptionalBytes(SerializableString key, byte[] value, int length, JsonGenerator g)
            throws IOException {
        if (length >= 0) {
            g.writeFieldName(key);
            writeBytes(value, length, g);
        }
    }

    /**
     * Writes packet bytes as a JSON string. Valid UTF-8 goes out unchanged (Jackson escapes quotes, backslashes and
     * control characters); otherwise every byte above 0x7F becomes the text {@code \xNN}, as Suricata's JsonBuilder
     * does for invalid UTF-8, so a hostile SNI or url can never make the log line invalid.
     */
    private void writeBytes(byte[] value, int length, JsonGenerator g) throws IOException {
        if (Utf8.isValid(value, length)) {
            g.writeUTF8String(value, 0, length);
            return;
        }
        int pos = 0;
        for (int i = 0; i < length; i++) {
            int b = value[i] & 0xFF;
            if (b < 0x80) {
                scratch[pos++] = (byte) b;
            } else {
                scratch[pos++] = '\\';
                scratch[pos++] = 'x';
                scratch[pos++] = HEX[b >>> 4];
                scratch[pos++] = HEX[b & 0xF];
            }
        }
        g.writeUTF8String(scratch, 0, pos);
    }

    private static SerializedString key(String name) {
        return new SerializedString(name);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static SerializedString[] twoHexDigits() {
        SerializedString[] table = new SerializedString[256];
        for (int i = 0; i < 256; i++) {
            table[i] = new SerializedString(String.format("%02x", i));
        }
        return table;
    }

    /**
     * IANA protocol keywords as Suricata's {@code known_proto} table spells them for the protocols seen behind a
     * GWLB; other numbers are written in decimal.
     */
    private static SerializedString[] protoNames() {
        SerializedString[] names = new SerializedString[256];
        for (int i = 0; i < 256; i++) {
            names[i] = new SerializedString(Integer.toString(i));
        }
        names[1] = key("ICMP");
        names[2] = key("IGMP");
        names[4] = key("IP-in-IP");
        names[6] = key("TCP");
        names[17] = key("UDP");
        names[41] = key("IPv6");
        names[47] = key("GRE");
        names[50] = key("ESP");
        names[51] = key("AH");
        names[58] = key("IPv6-ICMP");
        names[89] = key("OSPF");
        names[103] = key("PIM");
        names[112] = key("VRRP");
        names[115] = key("L2TP");
        names[132] = key("SCTP");
        names[136] = key("UDPLite");
        return names;
    }
}
