package org.gwlbinspect.appliance.replay;

/**
 * Inner IPv4 packets of {@code flows} generated TLS-over-TCP conversations, for load tests and benchmarks that need
 * more traffic than a capture holds: per flow a handshake (SYN, SYN-ACK, ACK), a ClientHello with a server name, then
 * {@code dataPackets} packets of {@code payloadBytes}, alternating server and client: TLS application-data records,
 * the server's first one after a TLS 1.3 ServerHello (which ends the appliance's wait for a certificate) and a
 * change_cipher_spec record, the client's first one after a change_cipher_spec record too, as TLS 1.3 stacks send them
 * in middlebox compatibility mode (RFC 8446 Appendix D.4: OpenSSL, BoringSSL, NSS, Go's crypto/tls by default), with
 * consistent sequence and acknowledgement numbers, so the stream reassembly and the L7 parsers see a real conversation.
 * The server's first data packet completes an application-data record after its hello: from there on the appliance
 * no longer inspects the flow with payload rules ({@code stateful.encryptionHandling: default}, docs/encrypted-tls.md).
 *
 * <p>Packets are numbered in waves of {@link #WAVE_FLOWS} flows: within a wave round-robin (packet 0 of each of its
 * flows, then packet 1, ...), so that many flows are in progress at once, but not more than the appliance's L7 parser
 * sets (1 024 by default: a TLS flow holds one from its ClientHello until the server answers; a flow that finds none
 * is handled by the stream exception policy). Flows are never closed. Clients are in 198.18.0.0/15 (the
 * benchmarking range, the {@code HOME_NET} of the benchmark policies), servers in 203.0.113.0/24, port 443; server
 * names ({@code host-N.example.net}) and payloads match no rule of the benchmark policies, so every packet passes as
 * long as each open flow finds a stream state: under payload rules a TCP flow keeps one to its end, and these flows
 * never end, so the flows beyond the pipeline's stream states ({@code replay --streams}, by default one per flow of its
 * table; the appliance keeps {@link ReplayPipeline#APPLIANCE_STREAMS}) have their packets from the ClientHello on
 * dropped by the stream exception policy.
 *
 * <p>{@link #write} allocates nothing; one instance per thread.
 */
public final class SyntheticFlows {
    /** Flows set up together (see the class comment). */
    public static final int WAVE_FLOWS = 256;

    /** SYN, SYN-ACK, ACK and the ClientHello before the data packets. */
    public static final int SETUP_PACKETS = 4;

    private static final int CLIENT_BASE = 0xC6120000; // 198.18.0.0/15
    private static final int SERVER_BASE = 0xCB007100; // 203.0.113.0/24
    private static final int PORTS_PER_CLIENT = 40_000;
    private static final int FIRST_CLIENT_PORT = 20_000;
    private static final int SERVER_PORT = 443;
    private static final int IPV4_HEADER = 20;
    private static final int TCP_HEADER = 20;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final int TLS_RECORD_HEADER = 5;
    /** The TLS 1.3 ServerHello record: record header, handshake header, version, random, empty session id, cipher
     * suite, compression, extensions length and supported_versions (RFC 8446 §4.1.3, §4.2.1). */
    private static final int SERVER_HELLO_BYTES = 5 + 4 + 2 + 32 + 1 + 2 + 1 + 2 + 6;
    /** A change_cipher_spec record (RFC 8446 Appendix D.4): header and its one byte, 1. */
    private static final int CHANGE_CIPHER_SPEC_BYTES = TLS_RECORD_HEADER + 1;
    /** The smallest payload: a ServerHello, a change_cipher_spec and an application-data record header. */
    public static final int MIN_PAYLOAD_BYTES = SERVER_HELLO_BYTES + CHANGE_CIPHER_SPEC_BYTES + TLS_RECORD_HEADER;
    /** The largest payload that keeps a packet within a 1500-byte MTU. */
    public static final int MAX_PAYLOAD_BYTES = 1500 - IPV4_HEADER - TCP_HEADER;

    private final int flows;
    private final int dataPackets;
    private final int payloadBytes;
    private final byte[] filler = new byte[MAX_PAYLOAD_BYTES];
    private final byte[] hello = new byte[128];

    /**
     * @param flows how many conversations (up to 2^17 clients × 40 000 ports)
     * @param dataPackets application-data packets per flow after the ClientHello
     * @param payloadBytes TCP payload of each data packet ({@link #MIN_PAYLOAD_BYTES} to {@link #MAX_PAYLOAD_BYTES})
     */
    public SyntheticFlows(int flows, int dataPackets, int payloadBytes) {
        if (flows < 1) throw new IllegalArgumentException("flows must be >= 1, got " + flows);
        if (dataPackets < 0) throw new IllegalArgumentException("dataPackets must be >= 0, got " + dataPackets);
        if (payloadBytes < MIN_PAYLOAD_BYTES || payloadBytes > MAX_PAYLOAD_BYTES)
            throw new IllegalArgumentException("payloadBytes must be in [" + MIN_PAYLOAD_BYTES + ", "
                    + MAX_PAYLOAD_BYTES + "], got " + payloadBytes);
        this.flows = flows;
        this.dataPackets = dataPackets;
        this.payloadBytes = payloadBytes;
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < filler.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            filler[i] = (byte) x;
        }
    }

    public int flows() {
        return flows;
    }

    public int packetsPerFlow() {
        return SETUP_PACKETS + dataPackets;
    }

    /** Every packet of every flow. */
    public long packets() {
        return (long) flows * packetsPerFlow();
    }

    /** The largest packet {@link #write} produces. */
    public int maxPacketBytes() {
        return IPV4_HEADER + TCP_HEADER + Math.max(payloadBytes, hello.length);
    }

    /** Writes packet {@code n} (see the class comment) at {@code out[0]}; returns its length. */
    public int write(long n, byte[] out) {
        if (n < 0 || n >= packets()) throw new IllegalArgumentException("packet " + n + " of " + packets());
        int perFlow = packetsPerFlow();
        long fullWavePackets = (long) WAVE_FLOWS * perFlow;
        long wave = n / fullWavePackets;
        int firstFlow = (int) (wave * WAVE_FLOWS);
        int waveFlows = Math.min(WAVE_FLOWS, flows - firstFlow); // the last wave may be smaller
        long r = n - wave * fullWavePackets;
        return write(firstFlow + (int) (r % waveFlows), (int) (r / waveFlows), out);
    }

    /** Writes packet {@code k} of flow {@code flow} at {@code out[0]}; returns its length. */
    public int write(int flow, int k, byte[] out) {
        int client = CLIENT_BASE + 1 + flow / PORTS_PER_CLIENT;
        int clientPort = FIRST_CLIENT_PORT + flow % PORTS_PER_CLIENT;
        int server = SERVER_BASE + 1 + flow % 200;
        long clientIsn = Integer.toUnsignedLong(flow * 0x9E3779B1);
        long serverIsn = Integer.toUnsignedLong(flow * 0x85EBCA6B + 12345);
        int helloLength = clientHello(flow);
        // Sequence numbers: each side's ISN + 1 (the SYN) + what it sent in the packets before k.
        long clientSent = 0;
        long serverSent = 0;
        for (int i = SETUP_PACKETS - 1; i < k; i++) {
            if (i == SETUP_PACKETS - 1) clientSent += helloLength;
            else if (fromServer(i)) serverSent += payloadBytes;
            else clientSent += payloadBytes;
        }
        long clientSeq = clientIsn + 1 + clientSent;
        long serverSeq = serverIsn + 1 + serverSent;
        return switch (k) {
            case 0 -> packet(out, client, clientPort, server, SERVER_PORT, clientIsn, 0, SYN, null, 0);
            case 1 ->
                packet(out, server, SERVER_PORT, client, clientPort, serverIsn, clientIsn + 1, SYN | ACK, null, 0);
            case 2 -> packet(out, client, clientPort, server, SERVER_PORT, clientSeq, serverSeq, ACK, null, 0);
            case 3 ->
                packet(out, client, clientPort, server, SERVER_PORT, clientSeq, serverSeq, PSH_ACK, hello, helloLength);
            default ->
                fromServer(k)
                        ? data(out, server, SERVER_PORT, client, clientPort, serverSeq, clientSeq, flow + k, k)
                        : data(out, client, clientPort, server, SERVER_PORT, clientSeq, serverSeq, flow + k, k);
        };
    }

    /** Data packets alternate, the server's first (the ServerHello's place). */
    private static boolean fromServer(int k) {
        return (k - SETUP_PACKETS) % 2 == 0;
    }

    /** Data packet {@code k}: the side's first one starts its encrypted part, after the hello for the server. */
    private int data(byte[] out, int src, int srcPort, int dst, int dstPort, long seq, long ack, int seed, int k) {
        int offset = IPV4_HEADER + TCP_HEADER;
        int record = payloadBytes;
        if (k == SETUP_PACKETS) {
            writeServerHello(out, offset, seed);
            offset += SERVER_HELLO_BYTES;
            record -= SERVER_HELLO_BYTES;
        }
        if (k <= SETUP_PACKETS + 1) {
            writeChangeCipherSpec(out, offset);
            offset += CHANGE_CIPHER_SPEC_BYTES;
            record -= CHANGE_CIPHER_SPEC_BYTES;
        }
        // A TLS application-data record (RFC 8446 §5.1), so no payload rule anchored at the start matches it.
        out[offset] = 0x17;
        out[offset + 1] = 0x03;
        out[offset + 2] = 0x03;
        putU16(out, offset + 3, record - TLS_RECORD_HEADER);
        int body = record - TLS_RECORD_HEADER;
        int from = Math.floorMod(seed * 31, filler.length - body + 1);
        System.arraycopy(filler, from, out, offset + TLS_RECORD_HEADER, body);
        return header(out, src, srcPort, dst, dstPort, seq, ack, PSH_ACK, payloadBytes);
    }

    private int packet(
            byte[] out,
            int src,
            int srcPort,
            int dst,
            int dstPort,
            long seq,
            long ack,
            int flags,
            byte[] payload,
            int length) {
        if (payload != null) System.arraycopy(payload, 0, out, IPV4_HEADER + TCP_HEADER, length);
        return header(out, src, srcPort, dst, dstPort, seq, ack, flags, length);
    }

    /** The IPv4 and TCP headers before a payload already in place; returns the packet's length. */
    private static int header(
            byte[] out, int src, int srcPort, int dst, int dstPort, long seq, long ack, int flags, int payload) {
        int total = IPV4_HEADER + TCP_HEADER + payload;
        out[0] = 0x45;
        out[1] = 0;
        putU16(out, 2, total);
        putU16(out, 4, 0);
        putU16(out, 6, 0x4000); // DF
        out[8] = 64;
        out[9] = 6;
        putU16(out, 10, 0);
        putU32(out, 12, src);
        putU32(out, 16, dst);
        putU16(out, 10, checksum(out, 0, IPV4_HEADER, 0));
        int t = IPV4_HEADER;
        putU16(out, t, srcPort);
        putU16(out, t + 2, dstPort);
        putU32(out, t + 4, (int) seq);
        putU32(out, t + 8, (flags & ACK) != 0 ? (int) ack : 0);
        out[t + 12] = (byte) ((TCP_HEADER / 4) << 4);
        out[t + 13] = (byte) flags;
        putU16(out, t + 14, 65_535);
        putU16(out, t + 16, 0);
        putU16(out, t + 18, 0);
        long pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 6 + TCP_HEADER + payload;
        putU16(out, t + 16, checksum(out, t, TCP_HEADER + payload, pseudo));
        return total;
    }

    /** RFC 8446 Appendix D.4: the dummy change_cipher_spec a TLS 1.3 peer sends in middlebox compatibility mode. */
    private static void writeChangeCipherSpec(byte[] h, int n) {
        h[n] = 0x14;
        h[n + 1] = 0x03;
        h[n + 2] = 0x03;
        putU16(h, n + 3, 1);
        h[n + 5] = 0x01;
    }

    private void writeServerHello(byte[] h, int n, int seed) {
        h[n++] = 0x16; // handshake record
        h[n++] = 0x03;
        h[n++] = 0x03;
        putU16(h, n, SERVER_HELLO_BYTES - TLS_RECORD_HEADER);
        n += 2;
        h[n++] = 0x02; // ServerHello
        h[n++] = 0;
        putU16(h, n, SERVER_HELLO_BYTES - TLS_RECORD_HEADER - 4);
        n += 2;
        h[n++] = 0x03; // legacy_version TLS 1.2
        h[n++] = 0x03;
        System.arraycopy(filler, Math.floorMod(seed, 1000) + 32, h, n, 32); // random
        n += 32;
        h[n++] = 0; // legacy_session_id_echo: empty, as the ClientHello's
        putU16(h, n, 0x1301); // TLS_AES_128_GCM_SHA256
        n += 2;
        h[n++] = 0; // compression: null
        putU16(h, n, 6); // extensions
        putU16(h, n + 2, 0x002B); // supported_versions
        putU16(h, n + 4, 2);
        putU16(h, n + 6, 0x0304); // selected_version: TLS 1.3
    }

    /** A TLS 1.2 ClientHello record with a server_name extension {@code host-<flow % 1000>.example.net}. */
    private int clientHello(int flow) {
        byte[] h = hello;
        int n = 0;
        // server name, written first at its final place after the fixed part (offset 52 + extension headers)
        int nameOffset = 5 + 4 + 2 + 32 + 1 + 4 + 2 + 2 + 4 + 2 + 1 + 2;
        int nameLength = writeName(h, nameOffset, flow % 1000);
        int serverNameList = 1 + 2 + nameLength;
        int extensions = 4 + 2 + serverNameList;
        int handshake = 2 + 32 + 1 + 4 + 2 + 2 + extensions;
        h[n++] = 0x16; // handshake record
        h[n++] = 0x03;
        h[n++] = 0x01;
        putU16(h, n, 4 + handshake);
        n += 2;
        h[n++] = 0x01; // ClientHello
        h[n++] = 0;
        putU16(h, n, handshake);
        n += 2;
        h[n++] = 0x03; // TLS 1.2
        h[n++] = 0x03;
        System.arraycopy(filler, flow % 1000, h, n, 32); // random
        n += 32;
        h[n++] = 0; // no session id
        putU16(h, n, 2); // one cipher suite: TLS_AES_128_GCM_SHA256
        putU16(h, n + 2, 0x1301);
        n += 4;
        h[n++] = 1; // one compression method: null
        h[n++] = 0;
        putU16(h, n, extensions);
        n += 2;
        putU16(h, n, 0x0000); // server_name (RFC 6066 §3)
        putU16(h, n + 2, 2 + serverNameList);
        putU16(h, n + 4, serverNameList);
        n += 6;
        h[n++] = 0; // host_name
        putU16(h, n, nameLength);
        n += 2;
        return n + nameLength;
    }

    private static int writeName(byte[] out, int offset, int number) {
        int n = offset;
        for (byte b : HOST) out[n++] = b;
        if (number >= 100) out[n++] = (byte) ('0' + number / 100);
        if (number >= 10) out[n++] = (byte) ('0' + number / 10 % 10);
        out[n++] = (byte) ('0' + number % 10);
        for (byte b : DOMAIN) out[n++] = b;
        return n - offset;
    }

    private static final byte[] HOST = {'h', 'o', 's', 't', '-'};
    private static final byte[] DOMAIN = {'.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'n', 'e', 't'};

    private static int checksum(byte[] b, int offset, int length, long sum) {
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) sum += (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
        if (i < end) sum += (b[i] & 0xFF) << 8;
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    private static void putU16(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >>> 8);
        b[offset + 1] = (byte) value;
    }

    private static void putU32(byte[] b, int offset, int value) {
        b[offset] = (byte) (value >>> 24);
        b[offset + 1] = (byte) (value >>> 16);
        b[offset + 2] = (byte) (value >>> 8);
        b[offset + 3] = (byte) value;
    }
}
