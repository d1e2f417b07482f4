package org.gwlbinspect.detect.match;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Native bytes seen as ISO-8859-1 characters (one byte, one char) for {@code java.util.regex}, re-pointed per
 * confirmation without allocating. Reads go through one segment spanning the whole address space, bounded here.
 */
final class NativeLatin1Chars implements CharSequence {
    private static final MemorySegment EVERYTHING = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private long address;
    private int length;

    NativeLatin1Chars point(long address, int length) {
        this.address = address;
        this.length = length;
        return this;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        Objects.checkIndex(index, length);
        return (char) (EVERYTHING.get(ValueLayout.JAVA_BYTE, address + index) & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        Objects.checkFromToIndex(start, end, length);
        return copy(start, end);
    }

    @Override
    public String toString() {
        return copy(0, length);
    }

    private String copy(int start, int end) {
        byte[] bytes = new byte[end - start];
        MemorySegment.copy(EVERYTHING, ValueLayout.JAVA_BYTE, address + start, bytes, 0, bytes.length);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
