package org.gwlbinspect.appliance.learn;

/** How learned names become domain list targets (policy.md §2.6). */
public enum TargetForm {
    /**
     * One {@code .registrable.domain} entry per registrable domain: the domain and every name under it. The default: a
     * service's names change (CDN shards, regions, new API hosts) while its owner does not, and the public suffix list
     * keeps the boundary at the owner ({@code .alice.github.io}, never {@code .github.io}).
     */
    REGISTRABLE,
    /** One exact entry per name seen: the tightest list, which breaks on the first new name of a service. */
    EXACT
}
