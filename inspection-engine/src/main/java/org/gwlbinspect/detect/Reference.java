package org.gwlbinspect.detect;

/** A {@code reference:type,value} keyword. */
public record Reference(String type, String value) {}
