package org.gwlbinspect.detect;

import java.util.Locale;

/**
 * What a flow whose SNI or HTTP host was not resolved, for its client, to its destination address gets
 * (docs/destination-binding.md): the appliance's global mode, or a rule's {@code destination_binding} option.
 */
public enum DestinationBindingMode {
    /** Not checked: NFW's behaviour. */
    OFF,
    /** Checked; a flow that fails is logged (EVE {@code destination_binding}) and keeps its verdict. */
    ALERT,
    /** Checked; a flow that fails is logged and dropped. */
    ENFORCE;

    /** The configuration and rule-option spelling: {@code off}, {@code alert}, {@code enforce}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code text} (any case). */
    public static DestinationBindingMode parse(String text) {
        for (DestinationBindingMode mode : values()) {
            if (mode.keyword().equalsIgnoreCase(text.strip())) return mode;
        }
        throw new IllegalArgumentException(
                "destination binding mode must be off, alert or enforce, got '" + text + "'");
    }
}
