package org.gwlbinspect.l7;

import java.nio.charset.StandardCharsets;

/**
 * The {@code http.header} buffer and the {@code http.request_header} instances of one request, as Suricata 7 builds
 * them from libhtp's header table (policy.md §3.5): one entry per distinct header name (compared ignoring case, where
 * it first appeared, the name as sent), the values of a repeated name joined by {@code ", "} (a repeated
 * Content-Length keeps its first value), each entry {@code name: value}.
 *
 * <ul>
 *   <li>{@code http.header}: every entry but {@code Cookie}, each followed by {@code \r\n}, no final empty line:
 *       {@link #bytes()} from 0 to {@link #headerLength()}.
 *   <li>{@code http.request_header}: every entry, Cookie included, one instance each ({@link #instanceOffsets()},
 *       {@link #instanceLengths()}, {@link #instanceCount()}), without the {@code \r\n}.
 * </ul>
 *
 * <p>Written by {@link HttpRequestParser#writeHeaderBuffers} into arrays this holder owns, so one holder per thread
 * serves every parser of a pool; nothing is allocated after construction.
 */
public final class HttpHeaderBuffers {
    private final byte[] bytes;
    private final int[] offsets = new int[HttpRequestParser.MAX_HEADERS];
    private final int[] lengths = new int[HttpRequestParser.MAX_HEADERS];
    private int count;
    private int headerLength;

    /** Room for the buffers of any request a parser of {@code parserCapacityBytes} accepts. */
    public HttpHeaderBuffers(int parserCapacityBytes) {
        this.bytes = new byte[capacityFor(parserCapacityBytes)];
    }

    /** Bytes the buffers of a request read by a parser of {@code parserCapacityBytes} can take. */
    static int capacityFor(int parserCapacityBytes) {
        // An entry's first line, "n:v\n" at the shortest, becomes "n: v\r\n": 2 bytes more; a repeated name's line
        // becomes ", v", shorter than it was. The request line only takes room in the parser.
        return parserCapacityBytes + 2 * HttpRequestParser.MAX_HEADERS;
    }

    void clear() {
        count = 0;
        headerLength = 0;
    }

    byte[] array() {
        return bytes;
    }

    void add(int offset, int length) {
        offsets[count] = offset;
        lengths[count] = length;
        count++;
    }

    void headerLength(int length) {
        this.headerLength = length;
    }

    /** Holds both buffers; read only. */
    public byte[] bytes() {
        return bytes;
    }

    /** Length of {@code http.header} from offset 0; 0 when every header is a Cookie or there is none (absent). */
    public int headerLength() {
        return headerLength;
    }

    /** Number of {@code http.request_header} instances. */
    public int instanceCount() {
        return count;
    }

    /** Offset of each instance in {@link #bytes()}, valid below {@link #instanceCount()}. */
    public int[] instanceOffsets() {
        return offsets;
    }

    public int[] instanceLengths() {
        return lengths;
    }

    /** Allocates; for tests and logs. */
    public String headerAsString() {
        return new String(bytes, 0, headerLength, StandardCharsets.ISO_8859_1);
    }

    /** Allocates; for tests and logs. */
    public String instanceAsString(int index) {
        return new String(bytes, offsets[index], lengths[index], StandardCharsets.ISO_8859_1);
    }
}
