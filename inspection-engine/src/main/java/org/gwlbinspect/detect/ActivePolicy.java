package org.gwlbinspect.detect;

/**
 * The policy the workers enforce: an immutable {@link CompiledPolicy} replaced whole by one reference write (style.md
 * §6). A worker reads it once per packet; a reload never changes a policy a worker is using. {@code null} means no
 * policy is configured: pass-through.
 */
public final class ActivePolicy {
    private volatile CompiledPolicy current;
    private volatile long version;

    public ActivePolicy(CompiledPolicy initial) {
        this.current = initial;
        this.version = initial == null ? 0 : 1;
    }

    /** Installs a new policy; the previous one stays valid for whoever still holds it. */
    public synchronized long install(CompiledPolicy next) {
        current = next;
        return ++version;
    }

    public CompiledPolicy current() {
        return current;
    }

    /** 1 for the policy loaded at start, incremented by every successful reload; 0 without a policy. */
    public long version() {
        return version;
    }
}
