package org.gwlbinspect.appliance.health;

import java.util.List;

/**
 * One evaluation of the data plane's health, rendered as the JSON body of {@code /health}.
 *
 * @param healthy true when every worker is alive, bound and making progress
 * @param reasons why the data plane is unhealthy (empty when healthy)
 * @param workers the state of each worker
 */
public record HealthReport(boolean healthy, List<String> reasons, List<WorkerHealth> workers) {
    /**
     * @param id worker number
     * @param bound whether its socket is open and bound
     * @param millisSinceHeartbeat time since its event loop last proved progress
     * @param receivedPackets datagrams it has received
     */
    public record WorkerHealth(int id, boolean bound, long millisSinceHeartbeat, long receivedPackets) {}

    static HealthReport starting() {
        return new HealthReport(false, List.of("data plane not started yet"), List.of());
    }
}
