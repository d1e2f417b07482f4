package org.gwlbinspect.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Decoding one GWLB datagram as the data path does: {@link GeneveHeader#wrap} (TLV walk over the three AWS options),
 * then {@link InnerPacket#decode} (IPv4 + TCP SYN with an MSS option), from a direct buffer as a socket read leaves it.
 * {@link #baselineReadProtocolType} reads one field from the same buffer, the floor the decode is compared against.
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} must be 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GeneveDecodeBenchmark {
    private final GeneveHeader header = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();
    private ByteBuf packet;
    private int length;

    @Setup(Level.Trial)
    public void buildPacket() {
        packet = Unpooled.directBuffer(128);
        GeneveHeaders.writeGwlb(
                packet, GeneveHeader.PROTOCOL_IPV4, 0x0abcdef012345678L, 0x1122334455667788L, 0xdeadbeefL);
        // IPv4: IHL 5, Total Length 44, DF, TTL 64, TCP, 10.98.1.10 -> 10.98.2.20 (checksum not verified by the codec)
        packet.writeBytes(new byte[] {
            0x45, 0x00, 0x00, 0x2c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 98, 1, 10, 10, 98, 2, 20
        });
        // TCP: 41000 -> 8443, Seq 0x11223344, Data Offset 6, SYN, Window 64240, option MSS 8484
        packet.writeBytes(new byte[] {
            (byte) 0xa0,
            0x28,
            0x20,
            (byte) 0xfb,
            0x11,
            0x22,
            0x33,
            0x44,
            0,
            0,
            0,
            0,
            0x60,
            0x02,
            (byte) 0xfa,
            (byte) 0xf0,
            0,
            0,
            0,
            0,
            0x02,
            0x04,
            0x21,
            0x24
        });
        length = packet.readableBytes();
        if (decodeGwlbIpv4Tcp() != 41000 + 8443) {
            throw new IllegalStateException("benchmark packet does not decode");
        }
    }

    @TearDown(Level.Trial)
    public void releasePacket() {
        packet.release();
    }

    /** Floor: one bounds-checked read from the same direct buffer. */
    @Benchmark
    public int baselineReadProtocolType() {
        return packet.getUnsignedShort(2);
    }

    /** The GENEVE header alone: base header checks and the TLV walk. */
    @Benchmark
    public long decodeGwlbHeader() {
        if (header.wrap(packet, 0, length) != DecodeStatus.OK) {
            return -1;
        }
        return header.flowCookie(); // returned so the JIT cannot drop the work
    }

    /** The full data-path decode: GENEVE header, inner IPv4 and TCP. */
    @Benchmark
    public int decodeGwlbIpv4Tcp() {
        if (header.wrap(packet, 0, length) != DecodeStatus.OK) {
            return -1;
        }
        int innerOffset = header.innerOffset();
        if (inner.decode(packet, innerOffset, length - innerOffset, header.protocolType()) != DecodeStatus.OK) {
            return -2;
        }
        return inner.srcPort() + inner.dstPort();
    }
}
