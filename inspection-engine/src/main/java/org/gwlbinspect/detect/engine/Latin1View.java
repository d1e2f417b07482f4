package org.gwlbinspect.detect.engine;

import java.nio.charset.StandardCharsets;

/** A reusable Latin-1 view of a byte range, for running JDK regexes over bytes without copying. */
final class Latin1View implements CharSequence {
    private byte[] array = new byte[0];
    private int offset;
    private int length;

    void set(byte[] array, int offset, int length) {
        this.array = array;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public char charAt(int index) {
        return (char) (array[offset + index] & 0xFF);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return new String(array, offset + start, end - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return new String(array, offset, length, StandardCharsets.ISO_8859_1);
    }
}
