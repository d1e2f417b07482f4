package org.gwlbinspect.verdict;

import java.util.Locale;

/**
 * Whether the policy's drop and reject verdicts are carried out ({@link #ENFORCE}) or only logged and counted while
 * every packet passes ({@link #MONITOR}, the learning mode of docs/learning-mode.md). A property of the appliance, not
 * of the policy: a policy reload keeps it.
 */
public enum Enforcement {
    /** Drop and reject as the policy says (NFW's behaviour). */
    ENFORCE,
    /**
     * Pass every packet; what would have been dropped or rejected is counted, and the stateful engine's alerts say so
     * ({@code would_verdict}). A default drop action logs even without its alert variant.
     */
    MONITOR;

    /** The configuration and metric label: {@code enforce} or {@code monitor}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code label} ({@code enforce} or {@code monitor}, any case). */
    public static Enforcement ofLabel(String label) {
        for (Enforcement e : values()) if (e.label().equalsIgnoreCase(label.strip())) return e;
        throw new IllegalArgumentException("policy.enforcement must be enforce or monitor, got '" + label + "'");
    }
}
