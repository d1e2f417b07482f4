package org.gwlbinspect.l7;

/**
 * Finds where an HTTP/1.x request's body ends, so that the next request of a keep-alive connection can be parsed (RFC
 * 9112 §6.3): {@code Transfer-Encoding} ending in {@code chunked} → chunked coding (§7.1: size lines, data, trailers);
 * else {@code Content-Length} → that many bytes; else no body. A framing it cannot follow (a Content-Length that is not
 * a number, two different ones, another transfer coding, a malformed chunk size) makes it {@link #failed()}: the bytes
 * after this request are then not parsed (libhtp likewise stops parsing such a connection).
 *
 * <p>Reusable, allocation-free: {@link #start} per request, then {@link #skip} over the bytes that follow it.
 */
public final class HttpBodySkipper {
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING =
            "transfer-encoding".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "chunked".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Chunk-size digits accepted (2^60 bytes): more is not a length a connection will send. */
    private static final int MAX_SIZE_DIGITS = 15;

    private enum State {
        DONE,
        FAILED,
        LENGTH,
        CHUNK_SIZE,
        CHUNK_EXTENSION,
        CHUNK_DATA,
        CHUNK_DATA_CR,
        CHUNK_DATA_LF,
        TRAILER_LINE_START,
        TRAILER_LINE
    }

    private State state = State.DONE;
    private long remaining;
    private int sizeDigits;

    /** Reads the framing of the request {@code http} just parsed. */
    public void start(HttpRequestParser http) {
        byte[] b = http.buffer();
        long length = -1;
        boolean chunked = false;
        boolean otherCoding = false;
        for (int i = 0; i < http.headerCount(); i++) {
            int name = http.headerNameOffset(i);
            int nameLength = http.headerNameLength(i);
            int value = http.headerValueOffset(i);
            int valueLength = http.headerValueLength(i);
            if (Octets.equalsIgnoreAsciiCase(b, name, nameLength, TRANSFER_ENCODING)) {
                // the last coding decides (RFC 9112 §6.3 item 4): "gzip, chunked" is chunked
                chunked = endsWithIgnoreCase(b, value, valueLength, CHUNKED);
                otherCoding = !chunked;
            } else if (Octets.equalsIgnoreAsciiCase(b, name, nameLength, CONTENT_LENGTH)) {
                long parsed = digits(b, value, valueLength);
                if (parsed < 0 || (length >= 0 && parsed != length)) {
                    state = State.FAILED;
                    return;
                }
                length = parsed;
            }
        }
        if (chunked) {
            state = State.CHUNK_SIZE; // chunked wins over a Content-Length (RFC 9112 §6.3 item 3)
            sizeDigits = 0;
            remaining = 0;
        } else if (otherCoding) {
            state = State.FAILED; // a request body in another coding has no length we can know
        } else if (length > 0) {
            state = State.LENGTH;
            remaining = length;
        } else {
            state = State.DONE;
        }
    }

    /**
     * Consumes body bytes from {@code src[offset, offset + length)}.
     *
     * @return how many of them belong to the body: all of them until it ends, then fewer (the rest is the next
     *     request); 0 once {@link #done()} or {@link #failed()}
     */
    public int skip(byte[] src, int offset, int length) {
        int i = 0;
        while (i < length) {
            switch (state) {
                case DONE, FAILED -> {
                    return i;
                }
                case LENGTH -> {
                    int n = (int) Math.min(remaining, length - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) state = State.DONE;
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, length - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) state = State.CHUNK_DATA_CR;
                }
                default -> chunkByte(src[offset + i++]);
            }
        }
        return i;
    }

    /**
     * Consumes up to {@code length} body bytes whose values do not matter (the rest of a {@code Content-Length} body or
     * of a chunk's data), as {@link #skip} would, without being given them: the caller need not copy them out of the
     * packet.
     *
     * @return how many were consumed; 0 when the next byte must be read (a chunk size line, a trailer) or the body is
     *     over
     */
    public int skipUnread(int length) {
        if ((state != State.LENGTH && state != State.CHUNK_DATA) || length <= 0) return 0;
        int n = (int) Math.min(remaining, length);
        remaining -= n;
        if (remaining == 0) state = state == State.LENGTH ? State.DONE : State.CHUNK_DATA_CR;
        return n;
    }

    private void chunkByte(byte c) {
        switch (state) {
            case CHUNK_SIZE -> {
                int digit = Character.digit(c, 16);
                if (digit >= 0 && c < 0x80) {
                    if (++sizeDigits > MAX_SIZE_DIGITS) state = State.FAILED;
                    else remaining = remaining << 4 | digit;
                } else if (sizeDigits > 0 && (c == ';' || c == ' ' || c == '\t' || c == '\r')) {
                    state = State.CHUNK_EXTENSION;
                } else if (sizeDigits > 0 && c == '\n') {
                    endSizeLine();
                } else {
                    state = State.FAILED;
                }
            }
            case CHUNK_EXTENSION -> {
                if (c == '\n') endSizeLine();
            }
            case CHUNK_DATA_CR -> state = c == '\r' ? State.CHUNK_DATA_LF : c == '\n' ? nextSize() : State.FAILED;
            case CHUNK_DATA_LF -> state = c == '\n' ? nextSize() : State.FAILED;
            case TRAILER_LINE_START ->
                state = c == '\n' ? State.DONE : c == '\r' ? State.TRAILER_LINE_START : State.TRAILER_LINE;
            case TRAILER_LINE -> {
                if (c == '\n') state = State.TRAILER_LINE_START;
            }
            default -> {}
        }
    }

    private void endSizeLine() {
        state = remaining == 0 ? State.TRAILER_LINE_START : State.CHUNK_DATA;
    }

    private State nextSize() {
        sizeDigits = 0;
        remaining = 0;
        return State.CHUNK_SIZE;
    }

    /** The body ended: the bytes after it are the next request. */
    public boolean done() {
        return state == State.DONE;
    }

    /** The framing cannot be followed: nothing after this request can be parsed. */
    public boolean failed() {
        return state == State.FAILED;
    }

    /** Forgets the request (no body). */
    public void reset() {
        state = State.DONE;
        remaining = 0;
        sizeDigits = 0;
    }

    private static long digits(byte[] b, int offset, int length) {
        if (length == 0 || length > 18) return -1;
        long value = 0;
        for (int i = 0; i < length; i++) {
            int c = b[offset + i];
            if (c < '0' || c > '9') return -1;
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean endsWithIgnoreCase(byte[] b, int offset, int length, byte[] suffix) {
        int end = offset + length;
        while (end > offset && (b[end - 1] == ' ' || b[end - 1] == '\t')) end--;
        int start = end - suffix.length;
        if (start < offset) return false;
        if (start > offset && b[start - 1] != ',' && b[start - 1] != ' ' && b[start - 1] != '\t') return false;
        return Octets.equalsIgnoreAsciiCase(b, start, suffix.length, suffix);
    }
}
