package org.gwlbinspect.stream;

/**
 * Bounds of TCP stream reassembly, validated once at load.
 *
 * @param capacityStreams flows that can be reassembled at once (each holds two directions)
 * @param chunkSizeBytes size of one pooled chunk, a power of two; a buffered segment occupies the chunks it touches
 * @param chunkCount chunks in the pool shared by all flows: {@code chunkSizeBytes × chunkCount} is the reassembly
 *     memcap (Suricata {@code stream.reassembly.memcap}), below 2 GiB
 * @param depthBytes bytes of each direction to inspect, 0 for no limit (Suricata {@code stream.reassembly.depth}, 1 MiB
 *     by default)
 * @param maxBufferedBytes out-of-order bytes one direction may hold
 * @param maxBufferedSegments disjoint out-of-order byte ranges one direction may hold (adjacent segments merge)
 * @param windowBytes how far past the oldest retained byte a direction may keep bytes: a segment ending beyond it is a
 *     {@link StreamEvent#GAP}; a power of two, a multiple of the chunk size, at least {@code maxBufferedBytes} and
 *     {@code historyBytes} plus one chunk
 * @param historyBytes inspected, not yet acknowledged bytes one direction keeps to compare retransmissions with; 0 turns
 *     the comparison (and the copy of in-order bytes it needs) off
 */
public record StreamConfig(
        int capacityStreams,
        int chunkSizeBytes,
        int chunkCount,
        long depthBytes,
        int maxBufferedBytes,
        int maxBufferedSegments,
        int windowBytes,
        int historyBytes) {

    public static final int MAX_CAPACITY_STREAMS = TcpStreamPool.MAX_CAPACITY;

    public StreamConfig {
        if (capacityStreams <= 0 || capacityStreams > MAX_CAPACITY_STREAMS)
            throw new IllegalArgumentException(
                    "stream.capacityStreams must be in 1.." + MAX_CAPACITY_STREAMS + ", got " + capacityStreams);
        // Offsets inside a chunk are taken with a mask, so the size must be a power of two.
        if (chunkSizeBytes < 64 || Integer.bitCount(chunkSizeBytes) != 1)
            throw new IllegalArgumentException(
                    "stream.chunkSizeBytes must be a power of two >= 64, got " + chunkSizeBytes);
        if (chunkCount <= 0 || (long) chunkCount * chunkSizeBytes > Integer.MAX_VALUE)
            throw new IllegalArgumentException("stream.chunkCount × chunkSizeBytes must be in 1..2^31-1 bytes");
        if (depthBytes < 0) throw new IllegalArgumentException("stream.depthBytes must be >= 0, got " + depthBytes);
        if (maxBufferedSegments <= 0) throw new IllegalArgumentException("stream.maxBufferedSegments must be positive");
        if (maxBufferedBytes <= 0) throw new IllegalArgumentException("stream.maxBufferedBytes must be positive");
        if (historyBytes < 0) throw new IllegalArgumentException("stream.historyBytes must be >= 0");
        // The window is a ring of chunk slots indexed with a mask.
        if (Integer.bitCount(windowBytes) != 1 || windowBytes < chunkSizeBytes)
            throw new IllegalArgumentException(
                    "stream.windowBytes must be a power of two >= chunkSizeBytes, got " + windowBytes);
        if (windowBytes < maxBufferedBytes || windowBytes < (long) historyBytes + chunkSizeBytes)
            throw new IllegalArgumentException(
                    "stream.windowBytes must hold maxBufferedBytes and historyBytes plus one chunk");
    }

    /** 64 Ki flows, 2 KiB chunks, 64 MiB memcap, 1 MiB depth, 64 KiB / 32 ranges out of order, 16 KiB history. */
    public static StreamConfig defaults() {
        return new StreamConfig(65_536, 2048, 32_768, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024);
    }
}
