package org.gwlbinspect.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.l4.TcpResetWriter;
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
 * Writing the two resets that answer a rejected IPv4 data segment ({@link TcpResetWriter}, both directions, checksums
 * included) into a preallocated direct buffer, from an already decoded packet. {@link #baselineWriteTwoLongs} clears
 * the same buffer and writes two longs. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} must be 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TcpResetWriterBenchmark {
    private final TcpResetWriter writer = new TcpResetWriter();
    private final InnerPacket inner = new InnerPacket();
    private ByteBuf packet;
    private ByteBuf resets;

    @Setup(Level.Trial)
    public void decodePacket() {
        packet = Unpooled.directBuffer(64);
        // IPv4: IHL 5, Total Length 45, DF, TTL 64, TCP, 10.0.1.10 -> 10.0.2.20 (checksum not verified by the codec)
        packet.writeBytes(new byte[] {0x45, 0, 0, 45, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 1, 10, 10, 0, 2, 20});
        // TCP: 41000 -> 443, Seq 0x11223344, Ack 0x55667788, Data Offset 5, PSH ACK, Window 65535, then 5 data bytes
        packet.writeBytes(new byte[] {
            (byte) 0xa0,
            0x28,
            0x01,
            (byte) 0xbb,
            0x11,
            0x22,
            0x33,
            0x44,
            0x55,
            0x66,
            0x77,
            (byte) 0x88,
            0x50,
            0x18,
            (byte) 0xff,
            (byte) 0xff,
            0,
            0,
            0,
            0,
            1,
            2,
            3,
            4,
            5
        });
        if (inner.decode(packet, 0, packet.readableBytes(), GeneveHeader.PROTOCOL_IPV4) != DecodeStatus.OK) {
            throw new IllegalStateException("benchmark packet does not decode");
        }
        resets = Unpooled.directBuffer(128, 128);
        if (writeResetPair() != 2 * TcpResetWriter.IPV4_RESET_LENGTH) {
            throw new IllegalStateException("benchmark packet is not answered");
        }
    }

    @TearDown(Level.Trial)
    public void releaseBuffers() {
        packet.release();
        resets.release();
    }

    @Benchmark
    public int writeResetPair() {
        resets.clear();
        return writer.writeResetToSender(inner, resets) + writer.writeResetToDestination(inner, resets);
    }

    @Benchmark
    public int baselineWriteTwoLongs() {
        resets.clear();
        resets.writeLong(0x4500002800004000L);
        resets.writeLong(0x400623b30a000214L);
        return resets.writerIndex();
    }
}
