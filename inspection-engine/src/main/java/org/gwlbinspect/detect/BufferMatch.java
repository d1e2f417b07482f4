package org.gwlbinspect.detect;

/** One payload keyword inspecting a buffer: {@link ContentMatch}, {@link PcreMatch}, {@link IsDataAt}, {@link Bsize}. */
public sealed interface BufferMatch permits ContentMatch, PcreMatch, IsDataAt, Bsize {}
