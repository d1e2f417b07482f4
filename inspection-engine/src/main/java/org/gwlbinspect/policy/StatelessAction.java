package org.gwlbinspect.policy;

/** The standard stateless actions (policy.md §1.1, §2.1); each rule and default carries exactly one. */
public enum StatelessAction {
    /** {@code aws:pass}: forward without stateful inspection or logging. */
    PASS("aws:pass"),
    /** {@code aws:drop}: drop without logging. */
    DROP("aws:drop"),
    /** {@code aws:forward_to_sfe}: hand the packet to the stateful engine. */
    FORWARD_TO_SFE("aws:forward_to_sfe");

    private final String apiName;

    StatelessAction(String apiName) {
        this.apiName = apiName;
    }

    /** The name used in the NFW API, e.g. {@code aws:forward_to_sfe}. */
    public String apiName() {
        return apiName;
    }

    /** The action with this API name, or null if it is not a standard stateless action. */
    public static StatelessAction fromApiName(String name) {
        for (StatelessAction action : values()) if (action.apiName.equals(name)) return action;
        return null;
    }
}
