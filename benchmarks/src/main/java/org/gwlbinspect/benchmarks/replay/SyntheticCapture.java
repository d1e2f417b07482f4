package org.gwlbinspect.benchmarks.replay;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gwlbinspect.appliance.replay.SyntheticFlows;

/**
 * Writes a large capture for the replay throughput measurements: {@link SyntheticFlows}' TLS conversations as an
 * Ethernet pcap (microseconds, 10 µs between frames), so that no big file needs to be committed.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.gwlbinspect.benchmarks.replay.SyntheticCapture FLOWS PAYLOAD FILE</pre>
 *
 * writes FLOWS flows of 10 packets (SYN, SYN-ACK, ACK, ClientHello, 6 data packets of PAYLOAD bytes).
 */
public final class SyntheticCapture {
    static final int DATA_PACKETS = 6;
    private static final int ETHERNET_HEADER = 14;
    private static final long FIRST_MICROS = 1_700_000_000_000_000L;

    private SyntheticCapture() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: SyntheticCapture FLOWS PAYLOAD_BYTES FILE");
            System.exit(2);
        }
        long packets = write(Path.of(args[2]), Integer.parseInt(args[0]), Integer.parseInt(args[1]));
        System.out.println("wrote " + args[2] + ": " + packets + " packets of " + args[0] + " flows");
    }

    /** Writes the capture; returns its number of frames. */
    public static long write(Path file, int flowCount, int payloadBytes) throws IOException {
        SyntheticFlows flows = new SyntheticFlows(flowCount, DATA_PACKETS, payloadBytes);
        byte[] frame = new byte[ETHERNET_HEADER + flows.maxPacketBytes()];
        frame[12] = 0x08; // EtherType IPv4; the MAC addresses stay zero
        byte[] packet = new byte[flows.maxPacketBytes()];
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
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
}
