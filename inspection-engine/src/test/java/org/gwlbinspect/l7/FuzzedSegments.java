package org.gwlbinspect.l7;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * A fuzzer's message and the TCP segments it is cut into, for the incremental parsers' fuzz tests: the cut points
 * come from the end of the input (where {@link FuzzedDataProvider} takes integers from: a count byte last, then two
 * bytes per cut), the message is the rest. Every piece sits between guard bytes in a buffer of its own, so a parser
 * that reads outside the range it was given sees bytes that differ from the whole message's guards.
 */
final class FuzzedSegments {
    static final int MAX_CUTS = 8;
    static final int GUARD = 3;

    private final byte[] message;
    private final int[] bounds;

    private FuzzedSegments(byte[] message, int[] bounds) {
        this.message = message;
        this.bounds = bounds;
    }

    static FuzzedSegments consume(FuzzedDataProvider data) {
        int cuts = data.consumeInt(0, MAX_CUTS);
        int[] points = new int[cuts];
        for (int i = 0; i < cuts; i++) points[i] = data.consumeInt(0, 0xFFFF);
        byte[] message = data.consumeRemainingAsBytes();
        int[] bounds = new int[cuts + 2];
        for (int i = 0; i < cuts; i++) bounds[i + 1] = points[i] % (message.length + 1);
        bounds[cuts + 1] = message.length;
        Arrays.sort(bounds, 1, cuts + 1);
        return new FuzzedSegments(message, bounds);
    }

    /** Seed file bytes: {@code message}, then the cuts (each below 65536) as {@link #consume} reads them back. */
    static byte[] seed(byte[] message, int... cuts) {
        byte[] out = Arrays.copyOf(message, message.length + 2 * cuts.length + 1);
        int p = out.length - 1;
        out[p] = (byte) cuts.length;
        for (int cut : cuts) {
            // FuzzedDataProvider reads an integer's bytes from the end backwards, most significant first.
            out[--p] = (byte) (cut >> 8);
            out[--p] = (byte) cut;
        }
        return out;
    }

    byte[] message() {
        return message;
    }

    /** The whole message between guard bytes, at index {@link #GUARD}. */
    ByteBuf whole() {
        return framed(message, 0, message.length, (byte) 0xA5);
    }

    int pieces() {
        return bounds.length - 1;
    }

    int pieceLength(int i) {
        return bounds[i + 1] - bounds[i];
    }

    /** Piece {@code i} between guard bytes, at index {@link #GUARD}. */
    ByteBuf piece(int i) {
        return framed(message, bounds[i], pieceLength(i), (byte) 0x5A);
    }

    private static ByteBuf framed(byte[] bytes, int offset, int length, byte guard) {
        byte[] out = new byte[length + 2 * GUARD];
        Arrays.fill(out, guard);
        System.arraycopy(bytes, offset, out, GUARD, length);
        return Unpooled.wrappedBuffer(out);
    }
}
