package org.gwlbinspect.detect;

/**
 * The policy the workers enforce: an immutable {@link CompiledPolicy} and its version, replaced together by one
 * reference write (style.md §6). A worker reads it once per packet; a reload never changes a policy a worker is using.
 * No policy means pass-through.
 */
public final class ActivePolicy {
    /** A policy with the version it was installed as (1 for the policy loaded at start, +1 per reload). */
    public record Installed(CompiledPolicy policy, long version) {}

    private static final Installed NONE = new Installed(null, 0);

    private volatile Installed current;

    public ActivePolicy(CompiledPolicy initial) {
        this.current = initial == null ? NONE : new Installed(initial, 1);
    }

    /** Installs a new policy; the previous one stays valid for whoever still holds it. Returns its version. */
    public synchronized long install(CompiledPolicy next) {
        Installed installed = new Installed(next, current.version() + 1);
        current = installed;
        return installed.version();
    }

    /** The policy in force, or null without one. */
    public CompiledPolicy current() {
        return current.policy();
    }

    /** The policy in force with its version, read together. */
    public Installed installed() {
        return current;
    }

    /** 1 for the policy loaded at start, incremented by every successful reload; 0 without a policy. */
    public long version() {
        return current.version();
    }
}
