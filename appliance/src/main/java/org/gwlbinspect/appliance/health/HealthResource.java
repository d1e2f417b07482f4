package org.gwlbinspect.appliance.health;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** {@code GET /health} for the GWLB target group: 200 while the data plane is healthy, 503 with the reasons else. */
@Path("/health")
@Produces(MediaType.APPLICATION_JSON)
public final class HealthResource {
    private final DataPlaneHealthMonitor monitor;

    public HealthResource(DataPlaneHealthMonitor monitor) {
        this.monitor = monitor;
    }

    @GET
    public Response health() {
        HealthReport report = monitor.current();
        return Response.status(report.healthy() ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE)
                .entity(report)
                .build();
    }
}
