package org.gwlbinspect.benchmarks.replay;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.gwlbinspect.appliance.replay.SyntheticFlows;

/**
 * Writes a large capture for the replay throughput measurements: {@link SyntheticFlows}' TLS conversations as an
 * Ethernet pcap (microseconds, 10 µs between frames), so that no big file needs to be committed.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.gwlbinspect.benchmarks.replay.SyntheticCapture FLOWS PAYLOAD FILE [tls|http [DATA_PACKETS]]</pre>
 *
 * writes FLOWS flows of 10 packets (SYN, SYN-ACK, ACK, ClientHello, 6 data packets of PAYLOAD bytes; DATA_PACKETS
 * makes longer flows, whose later packets are what an established flow costs). {@code http}
 * (default {@code tls}) writes the same packets to port 80 with cleartext payloads of the same lengths: the ClientHello becomes
 * a {@code POST} request header block (same Host name) whose body is the client's three data packets, the server's
 * first data packet starts a {@code 200} response whose body runs to its last one. A TLS flow's stream is no longer
 * inspected once the session is encrypted (Suricata's {@code encryption-handling}), a cleartext one to its end: the
 * variant measures what the pipeline costs for traffic that is still inspected.
 */
public final class SyntheticCapture {
    static final int DATA_PACKETS = 6;
    private static final int ETHERNET_HEADER = 14;
    private static final int IPV4_HEADER = 20;
    private static final int TCP_HEADER = 20;
    private static final long FIRST_MICROS = 1_700_000_000_000_000L;
    private static final int HTTPS_PORT = 443;
    private static final byte HTTP_PORT = 80;

    /** What the payloads hold. */
    public enum Kind {
        TLS,
        HTTP
    }

    private SyntheticCapture() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3 || args.length > 5) {
            System.err.println("usage: SyntheticCapture FLOWS PAYLOAD_BYTES FILE [tls|http [DATA_PACKETS]]");
            System.exit(2);
        }
        Kind kind = args.length >= 4 ? Kind.valueOf(args[3].toUpperCase(Locale.ROOT)) : Kind.TLS;
        int dataPackets = args.length == 5 ? Integer.parseInt(args[4]) : DATA_PACKETS;
        long packets = write(Path.of(args[2]), Integer.parseInt(args[0]), Integer.parseInt(args[1]), kind, dataPackets);
        System.out.println("wrote " + args[2] + ": " + packets + " packets of " + args[0] + " " + kind + " flows");
    }

    /** Writes the TLS capture; returns its number of frames. */
    public static long write(Path file, int flowCount, int payloadBytes) throws IOException {
        return write(file, flowCount, payloadBytes, Kind.TLS);
    }

    /** Writes the capture of 10-packet flows; returns its number of frames. */
    public static long write(Path file, int flowCount, int payloadBytes, Kind kind) throws IOException {
        return write(file, flowCount, payloadBytes, kind, DATA_PACKETS);
    }

    /** Writes the capture, {@code dataPackets} after each flow's ClientHello; returns its number of frames. */
    public static long write(Path file, int flowCount, int payloadBytes, Kind kind, int dataPackets)
            throws IOException {
        SyntheticFlows flows = new SyntheticFlows(flowCount, dataPackets, payloadBytes);
        byte[] frame = new byte[ETHERNET_HEADER + flows.maxPacketBytes()];
        frame[12] = 0x08; // EtherType IPv4; the MAC addresses stay zero
        byte[] packet = new byte[flows.maxPacketBytes()];
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        int perFlow = flows.packetsPerFlow();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            header.putInt(0xA1B2C3D4)
                    .putShort((short) 2)
                    .putShort((short) 4)
                    .putInt(0)
                    .putInt(0);
            header.putInt(65_535).putInt(1); // snapshot length, LINKTYPE_ETHERNET
            out.write(header.array(), 0, 24);
            for (long n = 0; n < flows.packets(); n++) {
                int length = flows.write(n, packet);
                if (kind == Kind.HTTP) {
                    // SyntheticFlows' order: waves of WAVE_FLOWS flows, round-robin within a wave.
                    long wavePackets = (long) SyntheticFlows.WAVE_FLOWS * perFlow;
                    long wave = n / wavePackets;
                    int firstFlow = (int) (wave * SyntheticFlows.WAVE_FLOWS);
                    int waveFlows = Math.min(SyntheticFlows.WAVE_FLOWS, flowCount - firstFlow);
                    long r = n - wave * wavePackets;
                    toCleartext(
                            packet,
                            length,
                            firstFlow + (int) (r % waveFlows),
                            (int) (r / waveFlows),
                            payloadBytes,
                            dataPackets);
                }
                System.arraycopy(packet, 0, frame, ETHERNET_HEADER, length);
                long micros = FIRST_MICROS + n * 10;
                header.clear();
                header.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000));
                header.putInt(ETHERNET_HEADER + length).putInt(ETHERNET_HEADER + length);
                out.write(header.array(), 0, 16);
                out.write(frame, 0, ETHERNET_HEADER + length);
            }
        }
        return flows.packets();
    }

    /**
     * Moves packet {@code k} of {@code flow} from port 443 to 80 and rewrites the start of its payload as HTTP (the
     * lengths, and so every sequence number, stay), then its TCP checksum.
     */
    static void toCleartext(byte[] packet, int length, int flow, int k, int payloadBytes, int dataPackets) {
        int t = IPV4_HEADER;
        for (int port = t; port <= t + 2; port += 2) {
            if (u16(packet, port) == HTTPS_PORT) {
                packet[port] = 0;
                packet[port + 1] = HTTP_PORT;
            }
        }
        int payload = length - IPV4_HEADER - TCP_HEADER;
        int bodyBytes = dataPackets / 2 * payloadBytes; // each side sends every other data packet
        byte[] head = null;
        if (payload == 0) {
            // the handshake: only the port changed
        } else if (k == SyntheticFlows.SETUP_PACKETS - 1) {
            String request = "POST / HTTP/1.1\r\nHost: host-" + flow % 1000 + ".example.net\r\nContent-Length: "
                    + bodyBytes + "\r\n";
            int pad = payload - request.length() - "X: \r\n\r\n".length(); // the ClientHello's length exactly
            if (pad < 0) throw new IllegalStateException("the request does not fit the ClientHello's " + payload);
            head = (request + "X: " + "p".repeat(pad) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        } else if (k == SyntheticFlows.SETUP_PACKETS) {
            String response = "";
            int headerBytes;
            do { // the body is what follows the header block: its length has as many digits as it says
                headerBytes = response.length();
                response = "HTTP/1.1 200 OK\r\nContent-Length: " + (bodyBytes - headerBytes) + "\r\n\r\n";
            } while (response.length() != headerBytes);
            head = response.getBytes(StandardCharsets.US_ASCII);
        } // else a body packet: the filler bytes as they are
        if (head != null) System.arraycopy(head, 0, packet, IPV4_HEADER + TCP_HEADER, head.length);
        packet[t + 16] = 0;
        packet[t + 17] = 0;
        long sum = 6 + TCP_HEADER + payload; // pseudo header: protocol and TCP length, then the addresses
        for (int i = 12; i < 20; i += 2) sum += u16(packet, i);
        for (int i = t; i + 1 < length; i += 2) sum += u16(packet, i);
        if (((length - t) & 1) != 0) sum += (packet[length - 1] & 0xFF) << 8;
        while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
        int checksum = (int) (~sum & 0xFFFF);
        packet[t + 16] = (byte) (checksum >>> 8);
        packet[t + 17] = (byte) checksum;
    }

    private static int u16(byte[] b, int offset) {
        return (b[offset] & 0xFF) << 8 | (b[offset + 1] & 0xFF);
    }
}
