package org.gwlbinspect.detect;

/** One entry of Suricata's {@code classification.config}: {@code alert.category} and the default priority. */
public record Classtype(String name, String description, int priority) {}
