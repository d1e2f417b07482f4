package org.gwlbinspect.eve;

import com.fasterxml.jackson.core.io.SerializedString;
import io.netty.buffer.ByteBuf;
import org.gwlbinspect.buffer.ByteBufs;

/**
 * One preallocated EVE event slot (policy.md §4): primitive fields, bounded byte arrays copied from packet or L7
 * buffers when the event is enqueued, and references to immutable strings owned by the compiled policy.
 *
 * <p>A producer gets a slot from {@link EveProducer#claim}, which has already reset it, fills the fields its event
 * has and calls {@link EveProducer#publish}. Optional fields are left out of the JSON while unset. The writer
 * thread reads the slot after publication; the producer must not touch it after {@code publish()}. Setters return
 * {@code this} so they chain without allocating.
 */
public final class EveRecord {

    /** SNI host name: at most 255 bytes (RFC 6066 §3 HostName). */
    public static final int MAX_SNI = 255;

    public static final int MAX_HTTP_HOSTNAME = 255;
    public static final int MAX_HTTP_URL = 2048;
    public static final int MAX_HTTP_USER_AGENT = 512;
    public static final int MAX_HTTP_METHOD = 16;
    public static final int MAX_HTTP_PROTOCOL = 16;

    /** DNS name in presentation form: at most 253 characters plus a trailing dot, rounded up. */
    public static final int MAX_DNS_RRNAME = 255;
    /** Bound of {@code destination_binding.name}: a DNS name in text form. */
    public static final int MAX_BINDING_NAME = 255;

    /** Absent optional integer field. */
    public static final int ABSENT = -1;

    /** The two log types NFW writes (its TLS log is out of scope). */
    public enum EventType {
        ALERT("alert"),
        NETFLOW("netflow");

        final SerializedString json;

        EventType(String label) {
            this.json = new SerializedString(label);
        }

        /** The {@code event_type} value. */
        public String label() {
            return json.getValue();
        }
    }

    /** Suricata's {@code app_proto} value; {@link #NONE} leaves the field out. */
    public enum AppProto {
        NONE(null),
        TLS("tls"),
        HTTP("http"),
        DNS("dns"),
        SSH("ssh"),
        UNKNOWN("unknown"),
        FAILED("failed");

        final SerializedString json;

        AppProto(String label) {
            this.json = label == null ? null : new SerializedString(label);
        }
    }

    /** Suricata's {@code direction}; {@link #NONE} leaves the field out (older records have none). */
    public enum Direction {
        NONE(null),
        TO_SERVER("to_server"),
        TO_CLIENT("to_client");

        final SerializedString json;

        Direction(String label) {
            this.json = label == null ? null : new SerializedString(label);
        }
    }

    /** {@code alert.action}: what the rule did to the packet, "blocked" for drop and reject rules. */
    public enum AlertAction {
        ALLOWED("allowed"),
        BLOCKED("blocked");

        final SerializedString json;

        AlertAction(String label) {
            this.json = new SerializedString(label);
        }
    }

    /** {@code verdict.action}: the packet's final fate; {@link #NONE} leaves the verdict object out. */
    public enum VerdictAction {
        NONE(null),
        PASS("pass"),
        DROP("drop"),
        ALERT("alert");

        final SerializedString json;

        VerdictAction(String label) {
            this.json = label == null ? null : new SerializedString(label);
        }
    }

    /** {@code netflow.state} (Suricata flow state at the end); {@link #NONE} leaves state, reason, alerted out. */
    public enum FlowState {
        NONE(null),
        NEW("new"),
        ESTABLISHED("established"),
        CLOSED("closed"),
        BYPASSED("bypassed");

        final SerializedString json;

        FlowState(String label) {
            this.json = label == null ? null : new SerializedString(label);
        }
    }

    /** {@code netflow.reason}: why the flow record was written. */
    public enum FlowReason {
        TIMEOUT("timeout"),
        FORCED("forced"),
        SHUTDOWN("shutdown");

        final SerializedString json;

        FlowReason(String label) {
            this.json = new SerializedString(label);
        }
    }

    // Common event fields.
    EventType type = EventType.ALERT;
    long timestampMicros;
    long flowId;
    long txId;
    int ipVersion;
    long srcHi;
    long srcLo;
    long dstHi;
    long dstLo;
    int srcPort;
    int destPort;
    int proto;
    int icmpType;
    int icmpCode;
    AppProto appProto;
    Direction direction;
    String resourceArn;

    // Alert.
    AlertAction alertAction;
    long signatureId;
    int rev;
    String signature;
    String category;
    int severity;
    String metadataJson;
    VerdictAction verdict;
    boolean reject;
    /** Monitor mode: what enforcement would have done with the packet ({@code would_verdict}); NONE leaves it out. */
    VerdictAction wouldVerdict;

    boolean wouldReject;

    // tls object.
    boolean tls;
    final byte[] sni = new byte[MAX_SNI];
    int sniLength;
    int tlsVersion;
    boolean tlsEmptyJa3;

    // http object.
    boolean http;
    final byte[] httpHostname = new byte[MAX_HTTP_HOSTNAME];
    int httpHostnameLength;
    final byte[] httpUrl = new byte[MAX_HTTP_URL];
    int httpUrlLength;
    final byte[] httpUserAgent = new byte[MAX_HTTP_USER_AGENT];
    int httpUserAgentLength;
    final byte[] httpMethod = new byte[MAX_HTTP_METHOD];
    int httpMethodLength;
    final byte[] httpProtocol = new byte[MAX_HTTP_PROTOCOL];
    int httpProtocolLength;
    int httpStatus;
    long httpLength;

    // dns object.
    boolean dns;
    final byte[] dnsRrname = new byte[MAX_DNS_RRNAME];
    int dnsRrnameLength;
    int dnsRrtype;

    // destination_binding object (an extension of NFW's alert).
    final byte[] bindingName = new byte[MAX_BINDING_NAME];
    int bindingNameLength;
    String bindingResult;

    // Netflow.
    long pkts;
    long bytes;
    long startMicros;
    long endMicros;
    int minTtl;
    int maxTtl;
    FlowState flowState;
    FlowReason flowReason;
    boolean alerted;
    int tcpFlags;

    /** Fields cut to their bound since the last reset; counted by the producer at publish. */
    int truncatedFields;

    /** A free-standing record, for tests and benchmarks; producers get theirs from {@link EveProducer#claim}. */
    public EveRecord() {
        reset(EventType.ALERT);
    }

    /** Clears every field to its default (optional ones absent); {@link EveProducer#claim} does this for you. */
    public void reset(EventType eventType) {
        type = eventType;
        timestampMicros = 0;
        flowId = 0;
        txId = ABSENT;
        ipVersion = 4;
        srcHi = srcLo = dstHi = dstLo = 0;
        srcPort = destPort = 0;
        proto = 0;
        icmpType = icmpCode = ABSENT;
        appProto = AppProto.NONE;
        direction = Direction.NONE;
        resourceArn = null;
        alertAction = AlertAction.ALLOWED;
        signatureId = 0;
        rev = 0;
        signature = "";
        category = "";
        severity = 3;
        metadataJson = null;
        verdict = VerdictAction.NONE;
        reject = false;
        wouldVerdict = VerdictAction.NONE;
        wouldReject = false;
        tls = false;
        sniLength = ABSENT;
        tlsVersion = 0;
        tlsEmptyJa3 = false;
        http = false;
        httpHostnameLength = httpUrlLength = httpUserAgentLength = httpMethodLength = httpProtocolLength = ABSENT;
        httpStatus = ABSENT;
        httpLength = ABSENT;
        dns = false;
        dnsRrnameLength = ABSENT;
        dnsRrtype = ABSENT;
        bindingNameLength = ABSENT;
        bindingResult = null;
        pkts = bytes = 0;
        startMicros = endMicros = 0;
        minTtl = maxTtl = 0;
        flowState = FlowState.NONE;
        flowReason = FlowReason.TIMEOUT;
        alerted = false;
        tcpFlags = ABSENT;
        truncatedFields = 0;
    }

    public EventType type() {
        return type;
    }

    // ---- common fields -------------------------------------------------------------------------------------

    /** The event's {@code timestamp}; {@code event_timestamp} in the envelope is its whole seconds. */
    public EveRecord timestampMicros(long epochMicros) {
        this.timestampMicros = epochMicros;
        return this;
    }

    /** Shared by a flow's alert and netflow records. */
    public EveRecord flowId(long flowId) {
        this.flowId = flowId;
        return this;
    }

    /** The app-layer transaction the alert matched ({@code tx_id}); absent unless set. */
    public EveRecord txId(long txId) {
        this.txId = txId;
        return this;
    }

    /** IPv4 addresses as unsigned 32-bit values in the low bits, e.g. {@code 0x0A0002B6L} for 10.0.2.182. */
    public EveRecord ipv4(long src, long dst) {
        this.ipVersion = 4;
        this.srcHi = 0;
        this.srcLo = src & 0xFFFF_FFFFL;
        this.dstHi = 0;
        this.dstLo = dst & 0xFFFF_FFFFL;
        return this;
    }

    /** IPv6 addresses as two big-endian halves each ({@code hi} = first 8 bytes). */
    public EveRecord ipv6(long srcHi, long srcLo, long dstHi, long dstLo) {
        this.ipVersion = 6;
        this.srcHi = srcHi;
        this.srcLo = srcLo;
        this.dstHi = dstHi;
        this.dstLo = dstLo;
        return this;
    }

    /** Ports are written for TCP, UDP and SCTP only, as Suricata does. */
    public EveRecord ports(int srcPort, int destPort) {
        this.srcPort = srcPort;
        this.destPort = destPort;
        return this;
    }

    /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 IPv6-ICMP, ...). */
    public EveRecord proto(int proto) {
        this.proto = proto & 0xFF;
        return this;
    }

    /** ICMP type and code, written after {@code proto} for ICMP and IPv6-ICMP. */
    public EveRecord icmp(int type, int code) {
        this.icmpType = type & 0xFF;
        this.icmpCode = code & 0xFF;
        return this;
    }

    public EveRecord appProto(AppProto appProto) {
        this.appProto = appProto;
        return this;
    }

    public EveRecord direction(Direction direction) {
        this.direction = direction;
        return this;
    }

    /** The rule group or policy ARN for {@code aws_metadata.resource_arn}; {@code null} leaves it out. */
    public EveRecord resourceArn(String arn) {
        this.resourceArn = arn;
        return this;
    }

    // ---- alert ---------------------------------------------------------------------------------------------

    /**
     * The {@code alert} object. Strings are the compiled policy's (never per-packet copies); {@code category} is
     * {@code ""} without a classtype, and severity 3 then.
     */
    public EveRecord alert(
            AlertAction action, long signatureId, int rev, String signature, String category, int severity) {
        this.alertAction = action;
        this.signatureId = signatureId;
        this.rev = rev;
        this.signature = signature == null ? "" : signature;
        this.category = category == null ? "" : category;
        this.severity = severity;
        return this;
    }

    /**
     * Rule metadata as a complete JSON object rendered once by the policy compiler, e.g.
     * {@code {"policy":["balanced"]}}; written raw as {@code alert.metadata}. {@code null} leaves it out.
     */
    public EveRecord metadataJson(String json) {
        this.metadataJson = json;
        return this;
    }

    /** The {@code verdict} object: the packet's fate, which may differ from {@code alert.action}. */
    public EveRecord verdict(VerdictAction verdict) {
        this.verdict = verdict;
        this.reject = false;
        return this;
    }

    /** A reject (policy.md §2.7): verdict drop plus reject target {@code to_client} and the reset sent. */
    public EveRecord rejectVerdict() {
        this.verdict = VerdictAction.DROP;
        this.reject = true;
        return this;
    }

    /**
     * Monitor mode (docs/learning-mode.md): the {@code would_verdict} object, shaped like {@code verdict}, says what
     * enforcement would have done with a packet that was passed; {@code reject} adds the reject target and reset.
     */
    public EveRecord wouldVerdict(VerdictAction verdict, boolean reject) {
        this.wouldVerdict = verdict;
        this.wouldReject = reject;
        return this;
    }

    // ---- tls -----------------------------------------------------------------------------------------------

    /**
     * The {@code tls} object. {@code version} is the negotiated version ({@code 0x0303} = "TLS 1.2") or 0 for
     * "UNDETERMINED" (an alert on the ClientHello); {@code emptyJa3} writes {@code "ja3":{},"ja3s":{}} as NFW's
     * older records do.
     */
    public EveRecord tls(int version, boolean emptyJa3) {
        this.tls = true;
        this.tlsVersion = version & 0xFFFF;
        this.tlsEmptyJa3 = emptyJa3;
        return this;
    }

    /** Copies the SNI (raw bytes, not case-folded); also marks the tls object present. */
    public EveRecord sni(byte[] src, int offset, int length) {
        this.tls = true;
        sniLength = copy(src, offset, length, sni);
        return this;
    }

    public EveRecord sni(ByteBuf src, int index, int length) {
        this.tls = true;
        sniLength = copy(src, index, length, sni);
        return this;
    }

    // ---- http ----------------------------------------------------------------------------------------------

    /** Marks the {@code http} object present with its response {@code status} and {@code length} (or ABSENT). */
    public EveRecord http(int status, long length) {
        this.http = true;
        this.httpStatus = status;
        this.httpLength = length;
        return this;
    }

    public EveRecord httpHostname(byte[] src, int offset, int length) {
        this.http = true;
        httpHostnameLength = copy(src, offset, length, httpHostname);
        return this;
    }

    public EveRecord httpHostname(ByteBuf src, int index, int length) {
        this.http = true;
        httpHostnameLength = copy(src, index, length, httpHostname);
        return this;
    }

    /** Copies at most {@link #MAX_HTTP_URL} bytes; a longer url is cut and counted. */
    public EveRecord httpUrl(byte[] src, int offset, int length) {
        this.http = true;
        httpUrlLength = copy(src, offset, length, httpUrl);
        return this;
    }

    public EveRecord httpUrl(ByteBuf src, int index, int length) {
        this.http = true;
        httpUrlLength = copy(src, index, length, httpUrl);
        return this;
    }

    public EveRecord httpUserAgent(byte[] src, int offset, int length) {
        this.http = true;
        httpUserAgentLength = copy(src, offset, length, httpUserAgent);
        return this;
    }

    public EveRecord httpUserAgent(ByteBuf src, int index, int length) {
        this.http = true;
        httpUserAgentLength = copy(src, index, length, httpUserAgent);
        return this;
    }

    public EveRecord httpMethod(byte[] src, int offset, int length) {
        this.http = true;
        httpMethodLength = copy(src, offset, length, httpMethod);
        return this;
    }

    public EveRecord httpMethod(ByteBuf src, int index, int length) {
        this.http = true;
        httpMethodLength = copy(src, index, length, httpMethod);
        return this;
    }

    public EveRecord httpProtocol(byte[] src, int offset, int length) {
        this.http = true;
        httpProtocolLength = copy(src, offset, length, httpProtocol);
        return this;
    }

    public EveRecord httpProtocol(ByteBuf src, int index, int length) {
        this.http = true;
        httpProtocolLength = copy(src, index, length, httpProtocol);
        return this;
    }

    // ---- dns -----------------------------------------------------------------------------------------------

    /** The Suricata 7 {@code dns} object of an alert: one query with its name and numeric type. */
    public EveRecord dnsQuery(byte[] src, int offset, int length, int rrtype) {
        this.dns = true;
        dnsRrnameLength = copy(src, offset, length, dnsRrname);
        dnsRrtype = rrtype & 0xFFFF;
        return this;
    }

    public EveRecord dnsQuery(ByteBuf src, int index, int length, int rrtype) {
        this.dns = true;
        dnsRrnameLength = copy(src, index, length, dnsRrname);
        dnsRrtype = rrtype & 0xFFFF;
        return this;
    }

    // ---- destination binding -------------------------------------------------------------------------------

    /**
     * The {@code destination_binding} object (docs/destination-binding.md): the name the flow announced and what the
     * DNS answers seen say of it ({@code mismatch}, {@code unresolved}).
     */
    public EveRecord destinationBinding(byte[] name, int offset, int length, String result) {
        bindingNameLength = copy(name, offset, length, bindingName);
        bindingResult = result;
        return this;
    }

    // ---- netflow -------------------------------------------------------------------------------------------

    /**
     * The {@code netflow} object of one direction; {@code age} is derived from the whole seconds of start and end,
     * as Suricata does.
     */
    public EveRecord netflow(long pkts, long bytes, long startMicros, long endMicros, int minTtl, int maxTtl) {
        this.pkts = pkts;
        this.bytes = bytes;
        this.startMicros = startMicros;
        this.endMicros = endMicros;
        this.minTtl = minTtl;
        this.maxTtl = maxTtl;
        return this;
    }

    /** Newer NFW records' {@code state}, {@code reason} and {@code alerted}. */
    public EveRecord flowEnd(FlowState state, FlowReason reason, boolean alerted) {
        this.flowState = state;
        this.flowReason = reason;
        this.alerted = alerted;
        return this;
    }

    /** OR of the TCP flags seen in this direction; writes the {@code tcp} object (TCP flows only). */
    public EveRecord tcpFlags(int flags) {
        this.tcpFlags = flags & 0xFF;
        return this;
    }

    // ---- copies --------------------------------------------------------------------------------------------

    private int copy(byte[] src, int offset, int length, byte[] dst) {
        int n = bounded(length, dst.length);
        System.arraycopy(src, offset, dst, 0, n);
        return n;
    }

    private int copy(ByteBuf src, int index, int length, byte[] dst) {
        int n = bounded(length, dst.length);
        ByteBufs.copy(src, index, dst, 0, n);
        return n;
    }

    private int bounded(int length, int capacity) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        if (length > capacity) {
            truncatedFields++;
            return capacity;
        }
        return length;
    }
}
