package org.gwlbinspect.detect;

/** {@code bsize}: the sticky buffer's length (after transforms). */
public record Bsize(UintMatch size) implements BufferMatch {}
