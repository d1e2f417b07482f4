package org.gwlbinspect.detect.engine;

import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.RuleProtocol;

/**
 * One packet as the rule evaluator sees it: a mutable holder the caller reuses, filling the fields per packet (no
 * allocation). Addresses follow {@link org.gwlbinspect.detect.AddressMatcher#matches}: IPv4 in the low 32 bits of
 * {@code lo}. Buffers are byte ranges the caller sets once its parsers know them ({@link #setBuffer}); a rule that
 * inspects a buffer not set does not match this packet. A multi-buffer ({@code http.request_header}: one instance per
 * header) is set with {@link #setBufferInstances}; its inspection matches when any one instance matches, each instance
 * inspected on its own (Suricata multi-buffer semantics).
 *
 * <p>TLS: the caller sets {@link #tlsClientHello} on the packet that completes a ClientHello and sets {@link
 * Buffer#TLS_SNI} on it when the hello carried an SNI; {@code ssl_state:client_hello} matches when either is set (so a
 * ClientHello without SNI needs the flag).
 *
 * <p>REJECT: a {@link Decision} may say reject for any protocol; the caller sends the TCP RST only for TCP and treats
 * a reject of other traffic as a drop (policy.md §2.7).
 */
public final class PacketContext {
    private static final int BUFFERS = Buffer.values().length;

    /** 4 or 6. */
    public int ipVersion = 4;

    public long srcHi;
    public long srcLo;
    public long dstHi;
    public long dstLo;
    public int srcPort;
    public int dstPort;
    /** IPv4 protocol / IPv6 next header (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
    public int ipProtocol;
    /** IPv4 TTL or IPv6 hop limit. */
    public int ttl = 64;
    /** The packet goes in the direction of the flow's first packet (client → server). */
    public boolean toServer = true;
    /** The flow is established (policy.md §2.5): TCP after the handshake, UDP/ICMP after both directions. */
    public boolean established;
    /** The flow's detected app protocol, null while unknown. */
    public RuleProtocol appProtocol;
    /** App-layer protocol detection failed on this flow ({@code app-layer-protocol:failed}). */
    public boolean appProtocolFailed;
    /** TCP flags byte (FIN 0x01 ... CWR 0x80), 0 for other protocols. */
    public int tcpFlags;
    /** Payload length ({@code dsize}). */
    public int payloadLength;
    /**
     * The packet's payload may be inspected. False on the packets of a TLS flow after its encrypted part started
     * (Suricata 7 {@code PKT_NOPAYLOAD_INSPECTION}, docs/encrypted-tls.md): the caller then sets neither the payload
     * nor the stream, and a {@code dsize} that requires a payload does not match (Suricata's signature mask).
     */
    public boolean payloadInspection = true;
    /**
     * First packet of the flow in this direction: IP-only rules are evaluated only then (policy.md §3.3). Defaults to
     * true, so a caller that does not track it evaluates IP-only rules on every packet.
     */
    public boolean firstPacketInDirection = true;
    /**
     * The client of this TCP flow is still sending its first application message (its parser needs more bytes): the
     * {@code _app_layer} default actions let such packets through (policy.md §2.4).
     */
    public boolean appMessagePending;

    /** This packet completed a TLS ClientHello ({@code ssl_state:client_hello}). */
    public boolean tlsClientHello;
    /**
     * The version of this direction's TLS hello as on the wire (ClientHello {@code legacy_version}, 0x0301 = TLS 1.0),
     * 0 when unknown ({@code ssl_version}).
     */
    public int sslVersion;

    final byte[][] bufferArrays = new byte[BUFFERS][];
    final int[] bufferOffsets = new int[BUFFERS];
    final int[] bufferLengths = new int[BUFFERS];
    /** Per buffer: 0 for the single range above, else the number of instances in the two arrays below. */
    final int[] instanceCounts = new int[BUFFERS];

    /**
     * This TCP segment's payload went into its direction's reassembled stream (Suricata {@code PKT_STREAM_ADD}):
     * stream and packet-stream rules then match the stream ({@link #setStream}), never this packet alone. False for a
     * segment that only repeats inspected bytes, or when the flow is not reassembled: they match the packet.
     */
    public boolean payloadInStream;

    /** What clients were told by the DNS answers seen ({@code resolved.domain}); {@link ResolvedNames#NONE} if none. */
    public ResolvedNames resolvedNames = ResolvedNames.NONE;
    /** The flow's GWLB endpoint ID: resolved names are kept per endpoint and client. */
    public long endpointId;
    /** The caller's clock for this packet, against which resolved names expire. */
    public long nowNanos;

    byte[] streamArray;
    int streamOffset;
    int streamLength;
    long streamStart;
    int streamNewFrom;

    final int[][] instanceOffsets = new int[BUFFERS][];
    final int[][] instanceLengths = new int[BUFFERS][];

    /** Makes {@code buffer} available for content/pcre inspection as {@code array[offset, offset + length)}. */
    public void setBuffer(Buffer buffer, byte[] array, int offset, int length) {
        checkRange(array, offset, length);
        int i = buffer.ordinal();
        bufferArrays[i] = array;
        bufferOffsets[i] = offset;
        bufferLengths[i] = length;
        instanceCounts[i] = 0;
    }

    /**
     * Makes {@code buffer} available as {@code count} instances, instance {@code k} being {@code array[offsets[k],
     * offsets[k] + lengths[k])}; none ({@code count} 0) leaves the buffer absent. The arrays are not copied: they must
     * hold these values until the packet is evaluated.
     */
    public void setBufferInstances(Buffer buffer, byte[] array, int[] offsets, int[] lengths, int count) {
        if (count < 0 || count > offsets.length || count > lengths.length) {
            throw new IndexOutOfBoundsException("instance count outside the arrays");
        }
        for (int k = 0; k < count; k++) checkRange(array, offsets[k], lengths[k]);
        int i = buffer.ordinal();
        if (count == 0) {
            bufferArrays[i] = null;
            return;
        }
        bufferArrays[i] = array;
        instanceCounts[i] = count;
        instanceOffsets[i] = offsets;
        instanceLengths[i] = lengths;
    }

    private static void checkRange(byte[] array, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > array.length) {
            throw new IndexOutOfBoundsException("buffer range outside the array");
        }
    }

    /**
     * The reassembled stream this segment extends, for stream and packet-stream payload rules (policy.md §3.3):
     * {@code array[offset, offset + length)} holds stream bytes from stream offset {@code streamStart} (0 = the first
     * byte after the SYN) on, those from index {@code newFrom} on being new with this segment. A rule matches when at
     * least one byte it matches is new; {@code depth}, {@code offset}, {@code startswith} and absolute {@code isdataat}
     * count from the stream's start.
     */
    public void setStream(byte[] array, int offset, int length, long streamStart, int newFrom) {
        checkRange(array, offset, length);
        if (newFrom < 0 || newFrom > length || streamStart < 0) throw new IndexOutOfBoundsException("stream range");
        this.payloadInStream = true;
        this.streamArray = array;
        this.streamOffset = offset;
        this.streamLength = length;
        this.streamStart = streamStart;
        this.streamNewFrom = newFrom;
    }

    /** Forgets one buffer (a later transaction of the packet does not have it). */
    public void clearBuffer(Buffer buffer) {
        bufferArrays[buffer.ordinal()] = null;
    }

    /**
     * Forgets the stream but keeps {@link #payloadInStream}: the packet's later transactions are evaluated without the
     * stream its first evaluation matched, so stream rules do not match the same bytes twice.
     */
    public void dropStream() {
        streamArray = null;
    }

    /** Whether {@link #setStream} was called since the last {@link #clearBuffers()}. */
    public boolean hasStream() {
        return streamArray != null;
    }

    /** Whether {@code buffer} was set since the last {@link #clearBuffers()}. */
    public boolean hasBuffer(Buffer buffer) {
        return bufferArrays[buffer.ordinal()] != null;
    }

    /** Forgets every buffer and the stream (call per packet before setting this packet's buffers). */
    public void clearBuffers() {
        for (int i = 0; i < BUFFERS; i++) bufferArrays[i] = null;
        streamArray = null;
        payloadInStream = false;
    }

    /** Sets IPv4 addresses, ports and protocol in one call. */
    public PacketContext ipv4(int src, int srcPort, int dst, int dstPort, int ipProtocol) {
        this.ipVersion = 4;
        this.srcHi = 0;
        this.srcLo = src & 0xFFFF_FFFFL;
        this.dstHi = 0;
        this.dstLo = dst & 0xFFFF_FFFFL;
        this.srcPort = srcPort;
        this.dstPort = dstPort;
        this.ipProtocol = ipProtocol;
        return this;
    }
}
