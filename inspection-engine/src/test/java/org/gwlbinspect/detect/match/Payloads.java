package org.gwlbinspect.detect.match;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Test payloads in native memory, where the data path keeps them. */
final class Payloads {
    private Payloads() {}

    static MemorySegment of(Arena arena, String ascii) {
        return of(arena, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    static MemorySegment of(Arena arena, byte[] bytes) {
        MemorySegment segment = arena.allocate(Math.max(1, bytes.length));
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return segment.asSlice(0, bytes.length);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
