package org.gwlbinspect.stateful;

import java.util.Locale;

/**
 * What the stateful engine does with a TLS flow once its encrypted part starts: Suricata 7's {@code
 * app-layer.protocols.tls.encryption-handling} (NFW runs Suricata 7.0, policy.md §0). The trigger is Suricata's: the
 * first complete application_data record of the flow, in either direction, after the server's hello (docs/encrypted-tls.md).
 */
public enum EncryptionHandling {
    /**
     * Suricata 7's default ({@code track-only} in Suricata 8): the flow is still tracked and its app-layer, IP-only,
     * packet and flowbits rules still evaluated, but payload rules ({@code content}/{@code pcre} without a sticky
     * buffer, and {@code dsize} that requires a payload) no longer match its packets, and its reassembly is given back.
     */
    DEFAULT,
    /** Inspect the encrypted records like any other bytes (Suricata's {@code full}): payload rules keep matching. */
    FULL;

    /** The configuration value: {@code default} or {@code full}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code label} ({@code default} or {@code full}, any case). */
    public static EncryptionHandling ofLabel(String label) {
        for (EncryptionHandling e : values()) if (e.label().equalsIgnoreCase(label.strip())) return e;
        throw new IllegalArgumentException("stateful.encryptionHandling must be default or full, got '" + label + "'");
    }
}
