package org.gwlbinspect.stream;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Collects what a stream delivers: the bytes, and each range as it was exposed. */
final class RecordingSink implements StreamDataSink {
    record Range(ByteBuf buffer, int offset, int length, long streamOffset) {}

    final List<Range> ranges = new ArrayList<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long expectedOffset;

    @Override
    public void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
        if (streamOffset != expectedOffset)
            throw new AssertionError("delivered offset " + streamOffset + ", expected " + expectedOffset);
        if (length <= 0) throw new AssertionError("empty range");
        ranges.add(new Range(buffer, offset, length, streamOffset));
        byte[] copy = new byte[length];
        buffer.getBytes(offset, copy);
        bytes.writeBytes(copy);
        expectedOffset += length;
    }

    byte[] bytes() {
        return bytes.toByteArray();
    }

    String text() {
        return new String(bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
