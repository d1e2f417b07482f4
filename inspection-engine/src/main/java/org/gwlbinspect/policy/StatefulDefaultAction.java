package org.gwlbinspect.policy;

/** The strict-order stateful default actions (policy.md §2.4), with their API names. */
public enum StatefulDefaultAction {
    DROP_STRICT("aws:drop_strict"),
    DROP_ESTABLISHED("aws:drop_established"),
    DROP_ESTABLISHED_APP_LAYER("aws:drop_established_app_layer"),
    DROP_ESTABLISHED_APP_LAYER_TO_SERVER("aws:drop_established_app_layer_to_server"),
    ALERT_STRICT("aws:alert_strict"),
    ALERT_ESTABLISHED("aws:alert_established"),
    ALERT_ESTABLISHED_APP_LAYER("aws:alert_established_app_layer"),
    ALERT_ESTABLISHED_APP_LAYER_TO_SERVER("aws:alert_established_app_layer_to_server");

    private final String apiName;

    StatefulDefaultAction(String apiName) {
        this.apiName = apiName;
    }

    /** The name used in the NFW API, e.g. {@code aws:drop_established}. */
    public String apiName() {
        return apiName;
    }

    /** Whether this action drops (as opposed to only alerting). */
    public boolean drops() {
        return name().startsWith("DROP_");
    }

    /** Whether this is one of the plain {@code *_established} variants. */
    public boolean isEstablished() {
        return this == DROP_ESTABLISHED || this == ALERT_ESTABLISHED;
    }

    /** Whether this is one of the {@code *_established_app_layer*} variants. */
    public boolean isEstablishedAppLayer() {
        return name().contains("_APP_LAYER");
    }

    /** The action with this API name, or null if there is none. */
    public static StatefulDefaultAction fromApiName(String name) {
        for (StatefulDefaultAction action : values()) if (action.apiName.equals(name)) return action;
        return null;
    }
}
