package org.gwlbinspect.appliance.sim;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a simulator run did, printed on exit and written as JSON ({@code --report}); docs/simulator.md lists fields. */
public record SimReport(
        @JsonProperty("prefix") String prefix,
        @JsonProperty("appliance") String appliance,
        @JsonProperty("duration_seconds") double durationSeconds,
        @JsonProperty("from_client") long fromClient,
        @JsonProperty("from_server") long fromServer,
        @JsonProperty("sent_to_appliance") long sentToAppliance,
        @JsonProperty("returned") long returned,
        @JsonProperty("forwarded") long forwarded,
        @JsonProperty("dropped") Map<String, Long> dropped,
        @JsonProperty("capture_dropped") Map<String, Long> captureDropped,
        @JsonProperty("flows") long flows,
        @JsonProperty("cookie_rotations") long cookieRotations,
        @JsonProperty("flows_expired") long flowsExpired,
        @JsonProperty("endpoints") List<EndpointReport> endpoints,
        @JsonProperty("inner_sizes") Map<String, Long> innerSizes,
        @JsonProperty("largest_inner_packet") long largestInnerPacket) {

    /** One endpoint's IDs and traffic. */
    public record EndpointReport(
            @JsonProperty("index") int index,
            @JsonProperty("endpoint_id") String endpointId,
            @JsonProperty("attachment_id") long attachmentId,
            @JsonProperty("client_namespace") String clientNamespace,
            @JsonProperty("server_namespace") String serverNamespace,
            @JsonProperty("flows") long flows,
            @JsonProperty("sent_to_appliance") long sentToAppliance,
            @JsonProperty("forwarded") long forwarded) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static SimReport of(Topology topology, String appliance, double durationSeconds, GwlbNode node) {
        SimCounters c = node.counters();
        List<EndpointReport> endpoints = new ArrayList<>();
        for (SimEndpoint e : node.endpoints()) {
            endpoints.add(new EndpointReport(
                    e.index(),
                    e.vpceName(),
                    e.attachmentId(),
                    topology.clientNamespace(e.index()),
                    topology.serverNamespace(e.index()),
                    c.flows(e.index()),
                    c.sentToAppliance(e.index()),
                    c.forwarded(e.index())));
        }
        return new SimReport(
                topology.prefix(),
                appliance,
                durationSeconds,
                c.fromClient(),
                c.fromServer(),
                c.sentToAppliance(),
                c.returned(),
                c.forwarded(),
                c.replyDropsByLabel(),
                c.captureDropsByLabel(),
                c.flows(),
                c.cookieRotations(),
                c.expiredFlows(),
                endpoints,
                c.innerSizesByClass(),
                c.largestInnerPacket());
    }

    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        JSON.writeValue(file.toFile(), this);
    }

    public static SimReport readJson(Path file) throws IOException {
        return JSON.readValue(file.toFile(), SimReport.class);
    }

    /** The summary printed on exit. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append("gwlb-sim ")
                .append(prefix)
                .append(" -> appliance ")
                .append(appliance)
                .append(String.format(" (%.1f s)%n", durationSeconds));
        s.append(String.format(
                "  captured: %d from clients, %d from servers; %d sent to the appliance%n",
                fromClient, fromServer, sentToAppliance));
        s.append(String.format("  returned: %d, forwarded: %d%n", returned, forwarded));
        s.append(String.format(
                "  flows: %d (%d expired idle), cookie rotations: %d%n", flows, flowsExpired, cookieRotations));
        s.append(String.format("  inner packets sent by size: %s, largest %d bytes%n", innerSizes, largestInnerPacket));
        dropped.forEach((reason, n) -> {
            if (n > 0) s.append(String.format("  dropped reply, %s: %d%n", reason, n));
        });
        captureDropped.forEach((reason, n) -> {
            if (n > 0) s.append(String.format("  dropped capture, %s: %d%n", reason, n));
        });
        for (EndpointReport e : endpoints) {
            s.append(String.format(
                    "  endpoint %d %s attachment %d: %d flows, %d sent, %d forwarded (client ns %s)%n",
                    e.index(),
                    e.endpointId(),
                    e.attachmentId(),
                    e.flows(),
                    e.sentToAppliance(),
                    e.forwarded(),
                    e.clientNamespace()));
        }
        return s.toString();
    }
}
