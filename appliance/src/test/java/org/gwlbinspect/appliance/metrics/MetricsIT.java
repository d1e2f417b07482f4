package org.gwlbinspect.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.net.http.HttpResponse;
import java.time.Duration;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;

/** Prometheus text format on the admin port, with names that follow Prometheus conventions. */
class MetricsIT {

    @Test
    void exposesDataPlaneAndJvmMetricsInPrometheusFormat() throws Exception {
        try (TestAppliance appliance = TestAppliance.start()) {
            HttpResponse<String> response = appliance.get(appliance.adminPort, "/metrics");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            assertThat(response.body())
                    .contains("# TYPE appliance_received_packets_total counter")
                    .contains("appliance_received_bytes_total{worker=\"0\"}")
                    .contains("appliance_returned_packets_total{worker=\"1\"}")
                    .contains("appliance_returned_bytes_total{worker=\"0\"}")
                    .contains("appliance_dropped_packets_total{reason=\"geneve_bad_version\"}")
                    .contains("appliance_dropped_packets_total{reason=\"source_not_allowed\"}")
                    .contains("appliance_flows_active ")
                    .contains("appliance_flows_started_total ")
                    .contains("appliance_flows_expired_total ")
                    .contains("appliance_flows_evicted_total ")
                    .contains("appliance_flow_evictions_total{kind=\"idle\"}")
                    .contains("appliance_flow_evictions_total{kind=\"embryonic\"}")
                    .contains("appliance_flow_evictions_total{kind=\"established\"}")
                    .contains("appliance_receive_batch_datagrams_bucket{worker=\"0\",le=\"1.0\"}")
                    .contains("jvm_memory_used_bytes")
                    .contains("jvm_threads_live_threads");
        }
    }

    @Test
    void countsReceivedAndReturnedPacketsAndBytes() throws Exception {
        try (TestAppliance appliance = TestAppliance.start();
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            byte[] packet = GwlbPeer.bytes(
                    gwlb(ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(1234, 4321, new byte[100]))));
            for (int i = 0; i < 10; i++) gwlb.send(32000, packet);
            assertThat(gwlb.receive(10, Duration.ofMillis(500))).hasSize(10);
            TestAppliance.await(
                    Duration.ofSeconds(2),
                    () -> sum(appliance, "appliance_returned_packets_total") == 10,
                    "returned count");
            assertThat(appliance.metricSum("appliance_received_packets_total")).isEqualTo(10);
            assertThat(appliance.metricSum("appliance_received_bytes_total")).isEqualTo(10.0 * packet.length);
            assertThat(appliance.metricSum("appliance_returned_bytes_total")).isEqualTo(10.0 * packet.length);
            assertThat(appliance.metric("appliance_flows_active")).isEqualTo(1);
            assertThat(appliance.metricSum("appliance_receive_batch_datagrams_count"))
                    .isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void dropsAndCountsSourcesOutsideAllowedSources() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("dataPlane.allowedSources[0]=127.0.0.2/32");
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            byte[] packet =
                    GwlbPeer.bytes(gwlb(ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(1, 2, new byte[8]))));
            gwlb.send(0x7F000003, 32001, packet); // from 127.0.0.3: not allowed
            gwlb.send(32002, packet); // from 127.0.0.2: allowed
            assertThat(gwlb.receive(Duration.ofSeconds(2))).isNotNull();
            TestAppliance.await(
                    Duration.ofSeconds(2),
                    () -> metric(appliance, "appliance_dropped_packets_total{reason=\"source_not_allowed\"}") == 1,
                    "source_not_allowed counted");
            assertThat(appliance.metricSum("appliance_returned_packets_total")).isEqualTo(1);
        }
    }

    private static double sum(TestAppliance appliance, String prefix) {
        try {
            return appliance.metricSum(prefix);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static double metric(TestAppliance appliance, String sample) {
        try {
            return appliance.metric(sample);
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
