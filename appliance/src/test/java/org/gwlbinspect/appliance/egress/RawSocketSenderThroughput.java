package org.gwlbinspect.appliance.egress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Rough comparison of batch sizes, run by hand (not a test; speed is never asserted): sends 64-byte payloads from
 * 127.0.0.2 to an unread socket on 127.0.0.1 with batches of 1 and of 32, alternating, and prints packets per second
 * and CPU per packet of the sending thread. Compare rows of one run only; this machine is shared and noisy.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp appliance/target/classes:appliance/target/test-classes \
 *   org.gwlbinspect.appliance.egress.RawSocketSenderThroughput [seconds-per-round]
 * </pre>
 */
public final class RawSocketSenderThroughput {

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined();
                DatagramSocket sink =
                        new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            MemorySegment payload = arena.allocate(64);
            int[] batchSizes = {1, 32, 1, 32, 1, 32};
            for (int round = 0; round < batchSizes.length; round++) {
                int batch = batchSizes[round];
                try (RawSocketSender sender = new RawSocketSender(batch, HairpinHeaderWriter.DEFAULT_TTL)) {
                    run(sender, batch, payload.address(), sink.getLocalPort(), 0.5); // warm-up
                    long packetsBefore = sender.sentPackets();
                    long cpuBefore = threads.getCurrentThreadCpuTime();
                    long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                    long elapsed = run(sender, batch, payload.address(), sink.getLocalPort(), seconds);
                    long packets = sender.sentPackets() - packetsBefore;
                    long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
                    long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
                    System.out.printf(
                            "batch %2d: %,10.0f packets/s  %6.0f ns CPU/packet  %.4f B allocated/packet  errors %d%n",
                            batch,
                            packets * 1e9 / elapsed,
                            (double) cpu / packets,
                            (double) allocated / packets,
                            sender.sendErrors());
                }
            }
        }
    }

    private static long run(RawSocketSender sender, int batch, long address, int port, double seconds) {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now;
        do {
            for (int i = 0; i < 1000 / batch + 1; i++) {
                for (int k = 0; k < batch; k++) {
                    sender.enqueue(0x7F000002, 0x7F000001, 50000, port, address, 64);
                }
                sender.flush();
            }
            now = System.nanoTime();
        } while (now < end);
        return now - start;
    }
}
