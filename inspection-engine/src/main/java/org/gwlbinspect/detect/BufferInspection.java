package org.gwlbinspect.detect;

import java.util.List;

/**
 * Everything a rule inspects in one buffer (Suricata sticky-buffer semantics): the transforms applied to it, then its
 * content/pcre/isdataat/bsize keywords in rule order (relative modifiers refer to the previous match in this list).
 */
public record BufferInspection(Buffer buffer, List<Transform> transforms, List<BufferMatch> matches) {
    public BufferInspection {
        transforms = List.copyOf(transforms);
        matches = List.copyOf(matches);
    }

    /** The content matches only, in order. */
    public List<ContentMatch> contents() {
        return matches.stream()
                .filter(ContentMatch.class::isInstance)
                .map(ContentMatch.class::cast)
                .toList();
    }
}
