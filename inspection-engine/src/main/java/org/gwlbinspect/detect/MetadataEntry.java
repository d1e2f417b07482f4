package org.gwlbinspect.detect;

/** One {@code key value} pair of the {@code metadata} keyword (logged as {@code alert.metadata.key:[value]}). */
public record MetadataEntry(String key, String value) {}
