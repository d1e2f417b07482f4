package org.gwlbinspect.benchmarks.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.egress.HairpinHeaderWriter;
import org.gwlbinspect.appliance.egress.NativeCallException;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.appliance.egress.RejectReplies;
import org.gwlbinspect.appliance.egress.ResetOutcome;
import org.gwlbinspect.appliance.egress.UnsentSenders;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The encode side of the data path: what a worker writes to send a packet back to GWLB (gwlb.md §2.1). The appliance
 * never builds a GENEVE header for a returned packet: it sends the received GENEVE header and inner packet as they
 * came, behind a new 28-byte outer IPv4 + UDP header, from the received buffer (no copy). Only a REJECT writes GENEVE
 * datagrams of its own, behind the flow's stored header. So the encode measured here is the production code of
 * {@code appliance.egress}:
 *
 * <ul>
 *   <li>{@code writeOuterHeader}: {@link HairpinHeaderWriter#write} (IPs swapped, GWLB's source port kept,
 *       destination 6081, IPv4 header checksum) into native memory, as the sender does per reply.
 *   <li>{@code queueHairpinReply}: one returned packet as {@code GeneveReceiveHandler.queueReply} queues it: {@link
 *       RawSocketSender#enqueue} (outer header, {@code sockaddr_in}, payload iovec pointing at the received buffer),
 *       and every 64th packet the batch's {@link RawSocketSender#flush} (the flush loop, with {@code sendmmsg} replaced
 *       by a call that accepts every message: {@link UnsentSenders}).
 *   <li>{@code decodeAndQueueHairpinReply}: the codec's work for a passed packet end to end, the GENEVE and inner
 *       decode of {@code GeneveDecodeBenchmark.decodeGwlbIpv4Tcp} then the same reply queued (no flow table, no
 *       inspection).
 *   <li>{@code queueRejectResets}: {@link RejectReplies#queueResets}, one REJECT: the flow's GENEVE header copied out
 *       of the flow table under its seqlock and checked, two TCP resets written behind it, both queued on the same
 *       sender; every 32nd call the batch is flushed and the reset buffer reclaimed, as the worker does.
 *   <li>{@code baselineWriteTwoLongs}: two 8-byte stores into the same native memory, the floor.
 * </ul>
 *
 * The received datagram is the 40-byte GWLB header and an IPv4 TCP segment of 1 448 data bytes (1 528 bytes of UDP
 * payload). {@code sendmmsg} itself is not measured (see {@code RawSocketSenderThroughput} in the appliance's tests).
 * The sender opens its raw socket, so this benchmark needs root or {@code CAP_NET_RAW}; it sends nothing. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} must be 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GeneveReplyBenchmark {
    private static final int GWLB = 0x0A630001; // 10.99.0.1, the GWLB node
    private static final int SELF = 0x0A630002; // 10.99.0.2, the appliance
    private static final int GWLB_PORT = 50123;
    private static final int DATA_BYTES = 1448;
    private static final int BATCH = RawSocketSender.DEFAULT_BATCH_SIZE;
    private static final long SLOT = 32; // the sender's header slot: 28 bytes rounded up to 8

    private final GeneveHeader header = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();
    private final HairpinHeaderWriter writer = new HairpinHeaderWriter();
    private final FlowKey key = new FlowKey();
    private Arena arena;
    private MemorySegment outerHeaders;
    private int nextSlot;
    private ByteBuf datagram;
    private long datagramAddress;
    private int length;
    private RawSocketSender sender;
    private RejectReplies rejects;
    private FlowTable flows;
    private int flowSlot;
    private int flowGeneration;

    @Setup(Level.Trial)
    public void setUp() throws NativeCallException {
        datagram = Unpooled.directBuffer(40 + 40 + DATA_BYTES);
        GeneveHeaders.writeGwlb(
                datagram, GeneveHeader.PROTOCOL_IPV4, 0x0abcdef012345678L, 0x1122334455667788L, 0xdeadbeefL);
        int total = 40 + DATA_BYTES;
        // IPv4: IHL 5, DF, TTL 64, TCP, 10.98.1.10 -> 10.98.2.20 (checksum not verified by the codec)
        datagram.writeBytes(new byte[] {0x45, 0, (byte) (total >>> 8), (byte) total, 0x1c, 0x46, 0x40, 0, 64, 6, 0, 0});
        datagram.writeBytes(new byte[] {10, 98, 1, 10, 10, 98, 2, 20});
        // TCP: 41000 -> 443, Seq 0x11223344, Ack 0x55667788, Data Offset 5, PSH ACK, Window 65535, then the data
        datagram.writeShort(41000).writeShort(443).writeInt(0x11223344).writeInt(0x55667788);
        datagram.writeByte(0x50).writeByte(0x18).writeShort(65535).writeInt(0);
        datagram.writeZero(DATA_BYTES);
        length = datagram.readableBytes();
        // The address through FFM, as RejectReplies takes its own (memoryAddress() needs sun.misc.Unsafe).
        datagramAddress = MemorySegment.ofBuffer(datagram.nioBuffer(0, length)).address();
        decode();

        arena = Arena.ofShared();
        outerHeaders = arena.allocate(SLOT * BATCH, 8);
        sender = UnsentSenders.open(BATCH);
        rejects = new RejectReplies(sender, RejectReplies.DEFAULT_CAPACITY_REJECTS);

        flows = new FlowTable(
                new FlowTableConfig(1024, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30)));
        key.setIpv4(header.endpointId(), 0x0A62010A, 0x0A620214, 6, 41000, 443);
        flowSlot = flows.lookupOrCreate(key, 1_000_000_000L);
        flowGeneration = key.generation();
        flows.recordInbound(
                flowSlot, key, 1_000_000_000L, length, datagram, 0, header.innerOffset(), GWLB, SELF, GWLB_PORT);

        if (queueRejectResets() != ResetOutcome.QUEUED) {
            throw new IllegalStateException("the reject of the benchmark packet is not queued");
        }
        if (decodeAndQueueHairpinReply() < 0) {
            throw new IllegalStateException("benchmark packet does not decode");
        }
        sender.flush();
        rejects.reclaimAfterFlush();
    }

    private void decode() {
        if (header.wrap(datagram, 0, length) != DecodeStatus.OK) {
            throw new IllegalStateException("benchmark GENEVE header does not decode");
        }
        int innerOffset = header.innerOffset();
        if (inner.decode(datagram, innerOffset, length - innerOffset, header.protocolType()) != DecodeStatus.OK) {
            throw new IllegalStateException("benchmark packet does not decode");
        }
    }

    @TearDown(Level.Trial)
    public void release() throws NativeCallException {
        sender.flush();
        rejects.reclaimAfterFlush();
        rejects.close();
        sender.close();
        arena.close();
        datagram.release();
    }

    /** Floor: two 8-byte stores into the next header slot. */
    @Benchmark
    public int baselineWriteTwoLongs() {
        long at = (nextSlot++ & (BATCH - 1)) * SLOT;
        outerHeaders.set(ValueLayout.JAVA_LONG_UNALIGNED, at, 0x4500002800004000L);
        outerHeaders.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8, 0x400623b30a000214L);
        return nextSlot;
    }

    @Benchmark
    public int writeOuterHeader() {
        long at = (nextSlot++ & (BATCH - 1)) * SLOT;
        writer.write(outerHeaders, at, SELF, GWLB, GWLB_PORT, GeneveHeader.PORT, length);
        return nextSlot;
    }

    @Benchmark
    public int queueHairpinReply() {
        return queueReply(length);
    }

    @Benchmark
    public int decodeAndQueueHairpinReply() {
        if (header.wrap(datagram, 0, length) != DecodeStatus.OK) {
            return -1;
        }
        int innerOffset = header.innerOffset();
        if (inner.decode(datagram, innerOffset, length - innerOffset, header.protocolType()) != DecodeStatus.OK) {
            return -2;
        }
        return queueReply(length);
    }

    /** As GeneveReceiveHandler.queueReply: flush a full batch first, then point a reply at the received datagram. */
    private int queueReply(int payloadLength) {
        if (sender.isFull()) {
            sender.flush();
        }
        sender.enqueue(SELF, GWLB, GWLB_PORT, GeneveHeader.PORT, datagramAddress, payloadLength);
        return sender.queued();
    }

    @Benchmark
    public ResetOutcome queueRejectResets() {
        ResetOutcome outcome = rejects.queueResets(flows, flowSlot, flowGeneration, inner);
        if (outcome == ResetOutcome.FLUSH_FIRST) {
            sender.flush();
            rejects.reclaimAfterFlush();
            outcome = rejects.queueResets(flows, flowSlot, flowGeneration, inner);
        }
        return outcome;
    }
}
