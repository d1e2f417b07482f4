package org.gwlbinspect.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamReassemblerTest {
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int HEADROOM = 54; // payload sits after the packet's headers, as on the data path
    private static final long ISN = 1000;
    private static final int CLIENT = 0;
    private static final int SERVER = 1;

    private final StreamEventCounters counters = new StreamEventCounters();
    private final RecordingSink sink = new RecordingSink();
    private TcpStreamPool pool = new TcpStreamPool(config(4, 64, 1 << 20, 4096, 8, 8192, 2048));
    private int handle = pool.acquire(counters);

    private static StreamConfig config(
            int streams, int chunks, long depth, int maxBuffered, int maxSegments, int window, int history) {
        return new StreamConfig(streams, 256, chunks, depth, maxBuffered, maxSegments, window, history);
    }

    private void use(StreamConfig config) {
        pool = new TcpStreamPool(config);
        handle = pool.acquire(counters);
    }

    private static ByteBuf packet(String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf buf = Unpooled.buffer(HEADROOM + bytes.length);
        buf.writeZero(HEADROOM).writeBytes(bytes);
        return buf;
    }

    private StreamEvent send(int direction, long seq, int flags, String payload) {
        ByteBuf buf = packet(payload);
        return pool.accept(handle, direction, seq, 0, flags, buf, HEADROOM, payload.length(), sink, counters);
    }

    /** Client data at stream offset {@code at}, after a SYN with ISN {@value #ISN}. */
    private StreamEvent data(long at, String payload) {
        return send(CLIENT, ISN + 1 + at, ACK | PSH, payload);
    }

    private void syn() {
        assertThat(send(CLIENT, ISN, SYN, "")).isEqualTo(StreamEvent.NONE);
    }

    private StreamReassembler client() {
        return pool.direction(handle, CLIENT);
    }

    @Test
    void deliversInOrderSegmentAsRangeOfThePacketBuffer() {
        syn();
        ByteBuf buf = packet("GET / HTTP/1.1\r\n");

        StreamEvent event = pool.accept(handle, CLIENT, ISN + 1, 0, ACK, buf, HEADROOM, 16, sink, counters);

        assertThat(event).isEqualTo(StreamEvent.NONE);
        assertThat(sink.ranges).singleElement().satisfies(range -> {
            assertThat(range.buffer()).isSameAs(buf);
            assertThat(range.offset()).isEqualTo(HEADROOM);
            assertThat(range.length()).isEqualTo(16);
            assertThat(range.streamOffset()).isZero();
        });
        assertThat(client().nextStreamOffset()).isEqualTo(16);
    }

    @Test
    void deliversThreeOutOfOrderSegmentsInOrderOnceTheGapFills() {
        syn();
        assertThat(data(12, "DDDD")).isEqualTo(StreamEvent.OUT_OF_ORDER);
        assertThat(data(4, "BBBB")).isEqualTo(StreamEvent.OUT_OF_ORDER);
        assertThat(data(8, "CCCC")).isEqualTo(StreamEvent.OUT_OF_ORDER);
        assertThat(sink.text()).isEmpty();
        assertThat(client().bufferedSegments()).isEqualTo(1); // adjacent ranges merged

        assertThat(data(0, "AAAA")).isEqualTo(StreamEvent.NONE);

        assertThat(sink.text()).isEqualTo("AAAABBBBCCCCDDDD");
        assertThat(sink.ranges.getFirst().buffer()).isNotSameAs(pool.chunkPool().buffer());
        assertThat(sink.ranges.get(1).buffer()).isSameAs(pool.chunkPool().buffer());
        assertThat(client().bufferedBytes()).isZero();
        assertThat(counters.count(StreamEvent.OUT_OF_ORDER)).isEqualTo(3);
    }

    @Test
    void ignoresRetransmissionWithIdenticalBytes() {
        syn();
        data(0, "hello ");
        data(6, "world");

        assertThat(data(0, "hello ")).isEqualTo(StreamEvent.RETRANSMISSION);
        assertThat(data(3, "lo wo")).isEqualTo(StreamEvent.RETRANSMISSION);

        assertThat(sink.text()).isEqualTo("hello world");
        assertThat(counters.count(StreamEvent.OVERLAP_CONFLICT)).isZero();
    }

    @Test
    void reportsOverlapConflictAndKeepsFirstBytesWhenRetransmissionDiffers() {
        syn();
        data(0, "GET /index.html");

        StreamEvent event = data(5, "evil!!!!!!");

        assertThat(event).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        assertThat(event.effect()).isEqualTo(StreamEvent.Effect.PACKET_UNSAFE);
        assertThat(counters.count(StreamEvent.OVERLAP_CONFLICT)).isEqualTo(1);
        assertThat(sink.text()).isEqualTo("GET /index.html");
    }

    @Test
    void keepsBufferedBytesWhenGapFillerOverlapsThemWithOtherBytes() {
        syn();
        data(4, "SAFE");

        // Fills the gap and overlaps the buffered range with different bytes: first data wins.
        StreamEvent event = data(0, "GET EVIL");

        assertThat(event).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        assertThat(sink.text()).isEqualTo("GET SAFE");
    }

    @Test
    void reportsConflictWhenOutOfOrderCopyDiffersFromBufferedBytes() {
        syn();
        data(10, "0123456789");

        assertThat(data(15, "XXXXXYYYYY")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        data(0, "abcdefghij");

        assertThat(sink.text()).isEqualTo("abcdefghij0123456789YYYYY");
    }

    @Test
    void deliversOnlyTheNewBytesOfAPartialOverlap() {
        syn();
        data(0, "abcdef");

        assertThat(data(3, "defghi")).isEqualTo(StreamEvent.RETRANSMISSION);

        assertThat(sink.text()).isEqualTo("abcdefghi");
        assertThat(sink.ranges.get(1).offset()).isEqualTo(HEADROOM + 3); // new part still read from the packet
    }

    @Test
    void fillsBufferedHolesAroundExistingRanges() {
        syn();
        data(2, "cd");
        data(6, "gh");

        assertThat(data(1, "bcdefghij")).isEqualTo(StreamEvent.OUT_OF_ORDER);
        assertThat(client().bufferedSegments()).isEqualTo(1);
        data(0, "a");

        assertThat(sink.text()).isEqualTo("abcdefghij");
    }

    @Test
    void reassemblesAcrossSequenceWrapAround() {
        long isn = 0xFFFF_FFF8L;
        send(CLIENT, isn, SYN, "");

        send(CLIENT, 0x0000_0003L, ACK, "WRAPPED"); // offset 10, after the wrap: buffered
        send(CLIENT, isn + 1, ACK, "before-"); // offsets 0..6 across 2^32
        send(CLIENT, isn + 8, ACK, "|x|"); // sequence numbers 0 .. 2

        assertThat(sink.text()).isEqualTo("before-|x|WRAPPED");
        assertThat(client().nextSequence()).isEqualTo(0x0000_000A);
        assertThat(counters.count(StreamEvent.GAP)).isZero();
    }

    @Test
    void picksUpMidstreamAtTheFirstSegmentSeen() {
        assertThat(send(CLIENT, 77_777, ACK, "tail of a request")).isEqualTo(StreamEvent.MIDSTREAM_PICKUP);
        send(CLIENT, 77_777 + 17, ACK, " and more");

        assertThat(sink.text()).isEqualTo("tail of a request and more");
        assertThat(counters.count(StreamEvent.MIDSTREAM_PICKUP)).isEqualTo(1);
    }

    @Test
    void countsDuplicateSynAndIgnoresSynWithOtherIsnAfterData() {
        syn();
        assertThat(send(CLIENT, ISN, SYN, "")).isEqualTo(StreamEvent.DUPLICATE_SYN);
        data(0, "abc");

        assertThat(send(CLIENT, 5000, SYN, "xyz")).isEqualTo(StreamEvent.SYN_CONFLICT);
        data(3, "def");

        assertThat(sink.text()).isEqualTo("abcdef");
    }

    @Test
    void takesAnotherIsnFromARepeatedSynBeforeAnyData() {
        syn();
        send(CLIENT, 9000, SYN, "");
        send(CLIENT, 9001, ACK, "new");

        assertThat(sink.text()).isEqualTo("new");
    }

    @Test
    void deliversDataCarriedByTheSyn() {
        assertThat(send(CLIENT, ISN, SYN, "fastopen")).isEqualTo(StreamEvent.NONE);
        data(8, "!");

        assertThat(sink.text()).isEqualTo("fastopen!");
    }

    @Test
    void ignoresZeroLengthSegments() {
        syn();
        data(0, "ab");

        assertThat(send(CLIENT, ISN + 3, ACK, "")).isEqualTo(StreamEvent.NONE);
        assertThat(send(CLIENT, ISN + 99, ACK, "")).isEqualTo(StreamEvent.NONE);

        assertThat(client().nextStreamOffset()).isEqualTo(2);
        assertThat(client().bufferedSegments()).isZero();
    }

    @Test
    void keepsInspectingDataAfterFinAndReset() {
        syn();
        send(CLIENT, ISN + 1, ACK | FIN, "bye");
        assertThat(data(3, "more")).isEqualTo(StreamEvent.DATA_AFTER_FIN);

        send(SERVER, 50_000, ACK | RST, "");
        assertThat(data(7, "!")).isEqualTo(StreamEvent.DATA_AFTER_RESET);
        assertThat(counters.count(StreamEvent.DATA_AFTER_FIN)).isEqualTo(2);
        assertThat(sink.text()).isEqualTo("byemore!");
    }

    @Test
    void raisesSegmentLimitWhenTooManyDisjointRangesAreBuffered() {
        syn();
        for (int i = 0; i < 8; i++) assertThat(data(2 + 2 * i, "x")).isEqualTo(StreamEvent.OUT_OF_ORDER);

        StreamEvent event = data(40, "y");

        assertThat(event).isEqualTo(StreamEvent.SEGMENT_LIMIT);
        assertThat(event.effect()).isEqualTo(StreamEvent.Effect.PACKET_UNSAFE);
        assertThat(client().bufferedSegments()).isEqualTo(8);
        assertThat(data(3, "x")).isEqualTo(StreamEvent.OUT_OF_ORDER); // merging two ranges still fits
        assertThat(client().isInspecting()).isTrue();
    }

    @Test
    void raisesBufferLimitWhenOutOfOrderBytesExceedTheBound() {
        syn();
        assertThat(data(100, "a".repeat(4000))).isEqualTo(StreamEvent.OUT_OF_ORDER);

        assertThat(data(4100, "b".repeat(97))).isEqualTo(StreamEvent.BUFFER_LIMIT);

        assertThat(client().bufferedBytes()).isEqualTo(4000);
        assertThat(counters.count(StreamEvent.BUFFER_LIMIT)).isEqualTo(1);
    }

    @Test
    void raisesGapWhenSegmentEndsBeyondTheWindow() {
        syn();

        assertThat(data(8192, "far")).isEqualTo(StreamEvent.GAP);

        assertThat(client().bufferedSegments()).isZero();
        data(0, "ok");
        assertThat(sink.text()).isEqualTo("ok");
    }

    @Test
    void stopsInspectingAtTheDepth() {
        use(config(4, 64, 10, 4096, 8, 8192, 2048));
        syn();
        data(0, "0123456");

        StreamEvent event = data(7, "789abc");

        assertThat(event).isEqualTo(StreamEvent.DEPTH_EXCEEDED);
        assertThat(event.effect()).isEqualTo(StreamEvent.Effect.INSPECTION_COMPLETE);
        assertThat(sink.text()).isEqualTo("0123456789");
        assertThat(data(13, "def")).isEqualTo(StreamEvent.NONE);
        assertThat(client().isInspecting()).isFalse();
        assertThat(client().stopReason()).isEqualTo(StreamEvent.DEPTH_EXCEEDED);
        assertThat(pool.chunkPool().available()).isEqualTo(64);
    }

    @Test
    void raisesMemcapAndStopsTheDirectionWhenTheChunkPoolIsExhausted() {
        use(config(4, 4, 1 << 20, 4096, 8, 8192, 0)); // 4 chunks of 256 bytes
        syn();
        assertThat(data(100, "a".repeat(700))).isEqualTo(StreamEvent.OUT_OF_ORDER); // all 4 chunks

        StreamEvent event = data(1000, "b".repeat(300));

        assertThat(event).isEqualTo(StreamEvent.MEMCAP);
        assertThat(event.effect()).isEqualTo(StreamEvent.Effect.STREAM_EXCEPTION);
        assertThat(client().isInspecting()).isFalse();
        assertThat(pool.chunkPool().available()).isEqualTo(4); // everything the direction held went back
        assertThat(data(0, "x")).isEqualTo(StreamEvent.NONE);
        assertThat(sink.text()).isEmpty();
    }

    @Test
    void dropsOwnHistoryBeforeGivingUpForMemory() {
        use(config(4, 4, 1 << 20, 4096, 8, 8192, 1024));
        syn();
        data(0, "h".repeat(700)); // history: 3 chunks, 1 left

        assertThat(data(800, "o".repeat(300))).isEqualTo(StreamEvent.OUT_OF_ORDER); // needs 2

        assertThat(client().retainedBytes()).isZero();
        assertThat(client().isInspecting()).isTrue();
        assertThat(counters.count(StreamEvent.HISTORY_MEMCAP)).isEqualTo(1);
    }

    @Test
    void countsTheHistoryItCannotKeepWhenThePoolIsDryAndStillDelivers() {
        use(config(4, 2, 1 << 20, 4096, 8, 8192, 1024)); // 2 chunks of 256 bytes
        int other = pool.acquire(counters);
        pool.accept(other, CLIENT, 5000, 0, SYN, packet(""), HEADROOM, 0, StreamDataSink.NONE, counters);
        String held = "o".repeat(300); // out of order at offsets 100..400: both chunks
        pool.accept(other, CLIENT, 5101, 0, ACK, packet(held), HEADROOM, 300, StreamDataSink.NONE, counters);
        assertThat(pool.chunkPool().available()).isZero();
        syn();

        assertThat(data(0, "abc")).isEqualTo(StreamEvent.NONE); // nothing to act on: counted only

        assertThat(sink.text()).isEqualTo("abc");
        assertThat(client().retainedBytes()).isZero();
        assertThat(counters.count(StreamEvent.HISTORY_MEMCAP)).isEqualTo(1);
        assertThat(data(0, "xyz")).isEqualTo(StreamEvent.UNVERIFIED_RETRANSMISSION); // nothing kept to compare with
        assertThat(data(3, "d")).isEqualTo(StreamEvent.NONE);
        assertThat(counters.count(StreamEvent.HISTORY_MEMCAP)).isEqualTo(2);
    }

    @Test
    void forgetsHistoryTheReceiverAcknowledged() {
        syn();
        data(0, "abcdefgh");
        assertThat(client().retainedBytes()).isEqualTo(8);

        send(SERVER, 50_000, SYN | ACK, "");
        pool.accept(handle, SERVER, 50_001, ISN + 1 + 5, ACK, packet(""), 0, 0, sink, counters);

        assertThat(client().retainedBytes()).isEqualTo(3);
        assertThat(data(0, "XXXXX")).isEqualTo(StreamEvent.RETRANSMISSION); // the receiver discards it
        assertThat(data(5, "XXX")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
    }

    @Test
    void givesItsChunkBackOnceEveryRetainedByteIsAcknowledgedAndStillComparesWhatFollows() {
        syn();
        data(0, "abcdefgh"); // less than a chunk
        send(SERVER, 50_000, SYN | ACK, "");
        assertThat(pool.chunkPool().available()).isEqualTo(63);

        serverAck(ISN + 1 + 5); // a part: the chunk still holds bytes to compare with
        assertThat(pool.chunkPool().available()).isEqualTo(63);
        serverAck(ISN + 1 + 8);

        assertThat(client().retainedBytes()).isZero();
        assertThat(pool.chunkPool().available()).isEqualTo(64);
        assertThat(data(0, "XXXXXXXX")).isEqualTo(StreamEvent.RETRANSMISSION); // acknowledged: the receiver drops it
        assertThat(data(8, "ijk")).isEqualTo(StreamEvent.NONE); // the same chunk's offsets, in a chunk taken anew
        assertThat(pool.chunkPool().available()).isEqualTo(63);
        assertThat(data(8, "iXk")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        assertThat(data(9, "jk")).isEqualTo(StreamEvent.RETRANSMISSION);
        assertThat(sink.text()).isEqualTo("abcdefghijk");
    }

    @Test
    void keepsTheTailChunkWhileOutOfOrderBytesLieInIt() {
        syn();
        data(0, "abcd");
        data(10, "klm"); // out of order, in the tail's chunk
        send(SERVER, 50_000, SYN | ACK, "");

        serverAck(ISN + 1 + 4);

        assertThat(client().retainedBytes()).isZero();
        assertThat(pool.chunkPool().available()).isEqualTo(63);
        assertThat(data(4, "efghij")).isEqualTo(StreamEvent.NONE);
        assertThat(sink.text()).isEqualTo("abcdefghijklm");
    }

    @Test
    void aRequestResponseConversationHoldsOnlyTheChunksOfItsUnacknowledgedMessage() {
        syn();
        send(SERVER, 50_000, SYN | ACK, "");
        long client = ISN + 1;
        long server = 50_001;
        for (int i = 0; i < 20; i++) {
            // 100 to 537 bytes: each message holds the fewest chunks its length needs, wherever it lies in the stream
            String request = alphabet(100 + 23 * i);
            pool.accept(
                    handle,
                    CLIENT,
                    client,
                    server,
                    ACK | PSH,
                    packet(request),
                    HEADROOM,
                    request.length(),
                    sink,
                    counters);
            client += request.length();
            assertThat(pool.chunkPool().available())
                    .as("after request %d", i)
                    .isEqualTo(64 - chunksFor(request.length()));
            String response = alphabet(90 + 19 * i);
            pool.accept(
                    handle,
                    SERVER,
                    server,
                    client,
                    ACK | PSH,
                    packet(response),
                    HEADROOM,
                    response.length(),
                    StreamDataSink.NONE,
                    counters);
            server += response.length();
            assertThat(pool.chunkPool().available())
                    .as("after response %d", i)
                    .isEqualTo(64 - chunksFor(response.length()));
        }
        assertThat(send(SERVER, server - 5, ACK | PSH, "XXXXX")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
    }

    /** The 256-byte chunks {@code length} bytes need. */
    private static int chunksFor(int length) {
        return (length + 255) / 256;
    }

    @Test
    void aDirectionThatKeepsNothingStoresItsNextBytesFromTheStartOfAChunk() {
        syn();
        send(SERVER, 50_000, SYN | ACK, "");
        data(0, "x".repeat(100));
        serverAck(ISN + 1 + 100); // everything acknowledged: the direction keeps nothing
        assertThat(pool.chunkPool().available()).isEqualTo(64);

        String message = alphabet(256);
        data(100, message);

        // One chunk, not the two that stream offsets 100..355 span, and the message from its first byte.
        assertThat(pool.chunkPool().available()).isEqualTo(63);
        assertThat(chunksStartingWith(message)).isEqualTo(1);
        assertThat(data(100 + 255, "#")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        assertThat(data(100, message)).isEqualTo(StreamEvent.RETRANSMISSION);
    }

    @Test
    void outOfOrderBytesStoredAfterEverythingWasAcknowledgedAreComparedAndDeliveredAsBefore() {
        syn();
        send(SERVER, 50_000, SYN | ACK, "");
        data(0, "abcd");
        serverAck(ISN + 1 + 4);
        assertThat(pool.chunkPool().available()).isEqualTo(64);

        assertThat(data(300, "uvw")).isEqualTo(StreamEvent.OUT_OF_ORDER); // buffered 296 bytes past the tail
        assertThat(data(301, "Q")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        assertThat(data(4, "e".repeat(296))).isEqualTo(StreamEvent.NONE);

        assertThat(sink.text()).isEqualTo("abcd" + "e".repeat(296) + "uvw");
        assertThat(data(298, "eeu")).isEqualTo(StreamEvent.RETRANSMISSION);
        assertThat(data(298, "eEu")).isEqualTo(StreamEvent.OVERLAP_CONFLICT);
        serverAck(ISN + 1 + 303);
        assertThat(pool.chunkPool().available()).isEqualTo(64);
        assertThat(data(298, "eEu")).isEqualTo(StreamEvent.RETRANSMISSION); // acknowledged: the receiver drops it
    }

    /** Chunks of the pool whose first bytes are {@code text}. */
    private int chunksStartingWith(String text) {
        ChunkPool chunks = pool.chunkPool();
        byte[] expected = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] read = new byte[expected.length];
        int found = 0;
        for (int chunk = 0; chunk < chunks.chunkCount(); chunk++) {
            chunks.buffer().getBytes(chunks.offset(chunk), read);
            if (java.util.Arrays.equals(read, expected)) found++;
        }
        return found;
    }

    private void serverAck(long ack) {
        pool.accept(handle, SERVER, 50_001, ack, ACK, packet(""), 0, 0, sink, counters);
    }

    @Test
    void flagsRetransmissionOfBytesNeitherRetainedNorAcknowledged() {
        use(config(4, 64, 1 << 20, 4096, 8, 8192, 256));
        syn();
        data(0, "a".repeat(300));
        data(300, "b".repeat(300)); // history keeps the last 256 bytes only

        assertThat(data(0, "z")).isEqualTo(StreamEvent.UNVERIFIED_RETRANSMISSION);
        assertThat(data(599, "b")).isEqualTo(StreamEvent.RETRANSMISSION);
    }

    @Test
    void keepsRetainedBytesIntactWhenHistoryAndReleasedRangesFillTheWindow() {
        use(config(4, 64, 1 << 20, 1024, 8, 1024, 768));
        String stream = alphabet(1700);
        syn();
        data(0, stream.substring(0, 700));
        data(800, stream.substring(800, 1000));
        data(700, stream.substring(700, 800)); // releases [800, 1000): history now spans 768 bytes

        data(1000, stream.substring(1000, 1700)); // would reach past the window without trimming history

        assertThat(data(240, stream.substring(240, 250))).isNotEqualTo(StreamEvent.OVERLAP_CONFLICT);
        assertThat(data(1600, stream.substring(1600, 1700))).isEqualTo(StreamEvent.RETRANSMISSION);
        assertThat(sink.text()).isEqualTo(stream);
    }

    private static String alphabet(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) text.append((char) ('a' + (i * 7 + i / 26) % 26));
        return text.toString();
    }

    @Test
    void reportsBusyWhenAnotherThreadHoldsTheDirection() {
        syn();
        StreamReassembler stream = client();
        assertThat(stream.tryEnter()).isTrue();

        assertThat(data(0, "x")).isEqualTo(StreamEvent.STREAM_BUSY);

        stream.exit();
        assertThat(data(0, "x")).isEqualTo(StreamEvent.NONE);
    }

    @Test
    void neverThrowsOnHostileSequenceNumbers() {
        syn();
        long[] seqs = {0, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, ISN - 5000, ISN + 1 + (1L << 31)};
        for (long seq : seqs) send(CLIENT, seq, ACK, "payload");
        data(0, "ok");

        assertThat(sink.text()).isEqualTo("ok");
    }
}
