package org.gwlbinspect.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cuts a known stream into random segments, sends them shuffled, duplicated and re-cut, and plays the inline IPS: a
 * packet whose event is {@code PACKET_UNSAFE} is dropped, so the sender sends it again later. The delivered stream must
 * be the original, whole, unless a bound stopped the direction, and then a prefix of it.
 */
class StreamReassemblerRandomizedTest {
    private static final int STREAM_BYTES = 40_000;
    private static final int MAX_STEPS = 20_000;
    private static final int ACK = 0x10;
    private static final int SYN = 0x02;

    private record Segment(long offset, int length, boolean forged) {}

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 6, 8, 42, 0xC0FFEE, 0xDEADBEEFL, 7_777_777})
    void deliversTheOriginalStreamWhateverTheOrderAndDuplicates(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] original = new byte[STREAM_BYTES];
        random.nextBytes(original);
        long isn = randomIsn(random);
        boolean forge = random.nextBoolean();

        StreamEventCounters counters = new StreamEventCounters();
        StreamConfig config = configFor(seed);
        TcpStreamPool pool = new TcpStreamPool(config);
        int handle = pool.acquire(counters);
        RecordingSink sink = new RecordingSink();
        pool.accept(handle, 0, isn, 0, SYN, Unpooled.EMPTY_BUFFER, 0, 0, sink, counters);

        ArrayDeque<Segment> pending = new ArrayDeque<>(cut(random, 0, STREAM_BYTES));
        StreamReassembler stream = pool.direction(handle, 0);
        BitSet held = new BitSet(STREAM_BYTES); // bytes the reassembler accepted (inspected or buffered)
        int steps = 0;
        int forgedSent = 0;
        while (!pending.isEmpty() && steps++ < MAX_STEPS && stream.isInspecting()) {
            Segment segment = takeNearFront(pending, random);
            int from = (int) segment.offset();
            int to = from + segment.length();
            if (steps < MAX_STEPS / 4) {
                if (random.nextInt(8) == 0) pending.addLast(segment); // a copy comes again later
                if (random.nextInt(16) == 0) pending.addAll(cut(random, from, segment.length())); // re-cut
            }
            // An attacker's copy with other bytes, for bytes the stream already holds.
            boolean forged = forge && held.nextClearBit(from) >= to && random.nextInt(4) == 0;
            StreamEvent event = send(pool, handle, isn, original, segment, forged, sink, counters);
            if (forged) {
                forgedSent++;
                assertThat(event).isIn(StreamEvent.OVERLAP_CONFLICT, StreamEvent.UNVERIFIED_RETRANSMISSION);
                pending.addLast(segment); // dropped inline; the original comes again, harmlessly
            } else {
                assertThat(event).isNotEqualTo(StreamEvent.OVERLAP_CONFLICT);
                if (event.effect() == StreamEvent.Effect.PACKET_UNSAFE) {
                    pending.addLast(segment); // dropped inline: the sender retransmits
                } else {
                    held.set(from, to);
                }
            }
        }

        byte[] delivered = sink.bytes();
        assertThat(delivered.length).isLessThanOrEqualTo(STREAM_BYTES);
        assertThat(delivered).isEqualTo(Arrays.copyOf(original, delivered.length));
        assertThat(counters.count(StreamEvent.OUT_OF_ORDER)).isPositive();
        assertThat(counters.count(StreamEvent.RETRANSMISSION)).isPositive();
        if (forge) {
            assertThat(forgedSent).isPositive();
            assertThat(counters.count(StreamEvent.OVERLAP_CONFLICT)
                            + counters.count(StreamEvent.UNVERIFIED_RETRANSMISSION))
                    .isGreaterThanOrEqualTo(forgedSent);
        }
        if (stream.isInspecting()) {
            assertThat(pending).isEmpty();
            assertThat(delivered).hasSize(STREAM_BYTES);
        } else {
            assertThat(stream.stopReason()).isEqualTo(StreamEvent.MEMCAP);
        }
        pool.release(handle);
        assertThat(pool.chunkPool().available()).isEqualTo(config.chunkCount());
    }

    /**
     * The same with the receiver acknowledging as it goes: after a random share of the segments the peer direction
     * acknowledges a point up to what was inspected (mostly all of it), so the direction often keeps nothing and stores its next
     * bytes (out of order or history) from the start of a chunk. Forged copies of bytes still unacknowledged are caught,
     * those of acknowledged bytes are harmless retransmissions; no chunk is leaked.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 6, 8, 42, 0xC0FFEE, 0xDEADBEEFL, 7_777_777})
    void deliversTheOriginalStreamWhileTheReceiverAcknowledges(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] original = new byte[STREAM_BYTES];
        random.nextBytes(original);
        long isn = randomIsn(random);
        long peerIsn = random.nextLong(1L << 32);

        StreamEventCounters counters = new StreamEventCounters();
        StreamConfig config = configFor(seed);
        TcpStreamPool pool = new TcpStreamPool(config);
        int handle = pool.acquire(counters);
        RecordingSink sink = new RecordingSink();
        pool.accept(handle, 0, isn, 0, SYN, Unpooled.EMPTY_BUFFER, 0, 0, sink, counters);
        pool.accept(handle, 1, peerIsn, isn + 1, SYN | ACK, Unpooled.EMPTY_BUFFER, 0, 0, sink, counters);

        ArrayDeque<Segment> pending = new ArrayDeque<>(cut(random, 0, STREAM_BYTES));
        StreamReassembler stream = pool.direction(handle, 0);
        BitSet held = new BitSet(STREAM_BYTES);
        long acked = 0;
        int steps = 0;
        int forgedSent = 0;
        int forgedAcknowledged = 0;
        int emptyBeforeStoring = 0;
        while (!pending.isEmpty() && steps++ < MAX_STEPS && stream.isInspecting()) {
            if (random.nextBoolean()) {
                long next = stream.nextStreamOffset();
                // mostly everything inspected, as a receiver that keeps up does
                long at = random.nextInt(4) != 0 ? next : next - random.nextLong(Math.min(next, 3000) + 1);
                acked = Math.max(acked, at);
                pool.accept(handle, 1, peerIsn + 1, isn + 1 + acked, ACK, Unpooled.EMPTY_BUFFER, 0, 0, sink, counters);
            }
            // mostly in order here, so that the direction is often left with nothing buffered
            Segment segment = random.nextInt(4) != 0 ? pending.pollFirst() : takeNearFront(pending, random);
            int from = (int) segment.offset();
            int to = from + segment.length();
            if (steps < MAX_STEPS / 4) {
                if (random.nextInt(8) == 0) pending.addLast(segment);
                if (random.nextInt(16) == 0) pending.addAll(cut(random, from, segment.length()));
            }
            boolean forged = held.nextClearBit(from) >= to && random.nextInt(4) == 0;
            if (stream.retainedBytes() == 0 && stream.bufferedBytes() == 0 && !forged && to > stream.nextStreamOffset())
                emptyBeforeStoring++;
            StreamEvent event = send(pool, handle, isn, original, segment, forged, sink, counters);
            if (forged && to <= acked) {
                forgedAcknowledged++;
                assertThat(event).isEqualTo(StreamEvent.RETRANSMISSION); // the receiver has these bytes
            } else if (forged) {
                forgedSent++;
                assertThat(event).isIn(StreamEvent.OVERLAP_CONFLICT, StreamEvent.UNVERIFIED_RETRANSMISSION);
                pending.addLast(segment);
            } else {
                assertThat(event).isNotEqualTo(StreamEvent.OVERLAP_CONFLICT);
                if (event.effect() == StreamEvent.Effect.PACKET_UNSAFE) {
                    pending.addLast(segment);
                } else {
                    held.set(from, to);
                    if ((event == StreamEvent.NONE || event == StreamEvent.OUT_OF_ORDER) && random.nextInt(3) == 0) {
                        // at once a forged copy of the bytes just stored, maybe at the start of a chunk
                        forgedSent++;
                        assertThat(send(pool, handle, isn, original, segment, true, sink, counters))
                                .isIn(StreamEvent.OVERLAP_CONFLICT, StreamEvent.UNVERIFIED_RETRANSMISSION);
                    }
                }
            }
        }

        byte[] delivered = sink.bytes();
        assertThat(delivered).isEqualTo(Arrays.copyOf(original, delivered.length));
        assertThat(forgedSent).isPositive();
        assertThat(forgedSent + forgedAcknowledged).isGreaterThan(10);
        assertThat(emptyBeforeStoring)
                .as("segments stored by a direction that kept nothing")
                .isGreaterThanOrEqualTo(5);
        assertThat(counters.count(StreamEvent.OVERLAP_CONFLICT)).isPositive();
        if (stream.isInspecting()) {
            assertThat(pending).isEmpty();
            assertThat(delivered).hasSize(STREAM_BYTES);
            pool.accept(
                    handle, 1, peerIsn + 1, isn + 1 + STREAM_BYTES, ACK, Unpooled.EMPTY_BUFFER, 0, 0, sink, counters);
            assertThat(stream.retainedBytes()).isZero();
            assertThat(pool.chunkPool().available()).isEqualTo(config.chunkCount()); // everything acknowledged
        } else {
            assertThat(stream.stopReason()).isEqualTo(StreamEvent.MEMCAP);
        }
        pool.release(handle);
        assertThat(pool.chunkPool().available()).isEqualTo(config.chunkCount());
    }

    /** Sometimes just below the sequence-number wrap, so that the stream crosses it. */
    private static long randomIsn(SplittableRandom random) {
        return random.nextBoolean() ? 0xFFFF_FF00L + random.nextInt(200) : random.nextLong(1L << 32);
    }

    /** The client's data segment (or a forged copy of it), acknowledging nothing new. */
    private static StreamEvent send(
            TcpStreamPool pool,
            int handle,
            long isn,
            byte[] original,
            Segment segment,
            boolean forged,
            RecordingSink sink,
            StreamEventCounters counters) {
        return pool.accept(
                handle,
                0,
                isn + 1 + segment.offset(),
                0,
                ACK,
                payload(original, segment, forged),
                7,
                segment.length(),
                sink,
                counters);
    }

    /** A forged copy carries the complement of every original byte. */
    private static ByteBuf payload(byte[] original, Segment segment, boolean forged) {
        ByteBuf buf = Unpooled.buffer(7 + segment.length());
        buf.writeZero(7).writeBytes(original, (int) segment.offset(), segment.length());
        if (forged) {
            for (int i = 0; i < segment.length(); i++) buf.setByte(7 + i, ~original[(int) segment.offset() + i]);
        }
        return buf;
    }

    private static List<Segment> cut(SplittableRandom random, long from, int length) {
        List<Segment> segments = new ArrayList<>();
        long at = from;
        long end = from + length;
        while (at < end) {
            int n = (int) Math.min(end - at, 1 + random.nextInt(random.nextBoolean() ? 1448 : 64));
            segments.add(new Segment(at, n, false));
            at += n;
        }
        return segments;
    }

    /** Mostly in order: one of the first few pending segments. */
    private static Segment takeNearFront(ArrayDeque<Segment> pending, SplittableRandom random) {
        int skip = random.nextInt(Math.min(pending.size(), 6));
        ArrayDeque<Segment> skipped = new ArrayDeque<>();
        for (int i = 0; i < skip; i++) skipped.addLast(pending.pollFirst());
        Segment taken = pending.pollFirst();
        while (!skipped.isEmpty()) pending.addFirst(skipped.pollLast());
        return taken;
    }

    /** Odd seeds: roomy bounds. Even seeds: a window barely larger than history plus buffer, small chunks. */
    private static StreamConfig configFor(long seed) {
        return seed % 2 == 1
                ? new StreamConfig(2, 256, 512, 0, 16_384, 16, 32_768, 8192)
                : new StreamConfig(2, 128, 256, 0, 4096, 16, 4096, 3968);
    }
}
