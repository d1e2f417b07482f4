package org.gwlbinspect.stateful;

/** What the DNS answers seen say about a flow's name and destination (docs/destination-binding.md). */
public enum BindingResult {
    /** The client was told the name resolves to the flow's destination address. */
    BOUND("bound"),
    /** The client was told addresses for the name, none of them the destination. */
    MISMATCH("mismatch"),
    /** No unexpired answer for the name reached the client through the appliance. */
    UNRESOLVED("unresolved");

    private final String label;

    BindingResult(String label) {
        this.label = label;
    }

    /** The EVE {@code destination_binding.result} and metric label. */
    public String label() {
        return label;
    }
}
