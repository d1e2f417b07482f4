package org.gwlbinspect.detect;

/** {@code isdataat:[!]N[,relative]}: data exists (or not) at offset N, from the buffer start or the previous match. */
public record IsDataAt(int offset, boolean negated, boolean relative) implements BufferMatch {}
