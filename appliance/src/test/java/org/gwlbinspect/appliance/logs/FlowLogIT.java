package org.gwlbinspect.appliance.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NFW's flow log from the running appliance (policy.md §4): flows sent through GWLB end by idle timeout or at shutdown
 * and leave one netflow record per direction in {@code logs.flowFile}.
 */
class FlowLogIT {
    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final long CLIENT = ipv4(10, 7, 0, 1);
    private static final long WEB = ipv4(10, 7, 0, 2);
    private static final long DNS = ipv4(10, 7, 0, 3);

    // What varies from run to run (times, flow ids) is replaced by placeholders before comparing.
    private static final Pattern TIME =
            Pattern.compile("\"(timestamp|start|end)\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+0000\"");
    private static final Pattern EVENT_TIMESTAMP = Pattern.compile("\"event_timestamp\":\"\\d{10}\"");
    private static final Pattern FLOW_ID = Pattern.compile("\"flow_id\":(\\d+)");
    // Whole seconds between first and last packet: 0, or 1 when the exchange straddles a second boundary.
    private static final Pattern AGE = Pattern.compile("\"age\":[01],");

    private static final String ENVELOPE = "{\"firewall_name\":\"it-fw\",\"availability_zone\":\"us-east-1a\","
            + "\"event_timestamp\":\"S\",\"event\":{\"timestamp\":\"T\",\"flow_id\":ID,\"event_type\":\"netflow\",";
    private static final String TCP_TO_SERVER = ENVELOPE
            + "\"src_ip\":\"10.7.0.1\",\"src_port\":45000,\"dest_ip\":\"10.7.0.2\",\"dest_port\":80,\"proto\":\"TCP\","
            + "\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":5,\"bytes\":218,\"start\":\"T\",\"end\":\"T\","
            + "\"age\":A,\"min_ttl\":64,\"max_ttl\":64,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},"
            + "\"tcp\":{\"tcp_flags\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true}}}";
    private static final String TCP_TO_CLIENT = ENVELOPE
            + "\"src_ip\":\"10.7.0.2\",\"src_port\":80,\"dest_ip\":\"10.7.0.1\",\"dest_port\":45000,\"proto\":\"TCP\","
            + "\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":3,\"bytes\":220,\"start\":\"T\",\"end\":\"T\","
            + "\"age\":A,\"min_ttl\":64,\"max_ttl\":64,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},"
            + "\"tcp\":{\"tcp_flags\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true}}}";
    private static final String UDP_TO_SERVER = ENVELOPE
            + "\"src_ip\":\"10.7.0.1\",\"src_port\":53000,\"dest_ip\":\"10.7.0.3\",\"dest_port\":53,\"proto\":\"UDP\","
            + "\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":1,\"bytes\":40,\"start\":\"T\",\"end\":\"T\","
            + "\"age\":A,\"min_ttl\":64,\"max_ttl\":64,\"state\":\"established\",\"reason\":\"timeout\","
            + "\"alerted\":false}}}";
    private static final String UDP_TO_CLIENT = ENVELOPE
            + "\"src_ip\":\"10.7.0.3\",\"src_port\":53,\"dest_ip\":\"10.7.0.1\",\"dest_port\":53000,\"proto\":\"UDP\","
            + "\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":1,\"bytes\":58,\"start\":\"T\",\"end\":\"T\","
            + "\"age\":A,\"min_ttl\":64,\"max_ttl\":64,\"state\":\"established\",\"reason\":\"timeout\","
            + "\"alerted\":false}}}";

    @TempDir
    Path dir;

    private TestAppliance start(String... more) throws Exception {
        String[] base = {
            "logs.alertFile=" + dir.resolve("alert.json"),
            "logs.flowFile=" + dir.resolve("flow.json"),
            "logs.firewallName=it-fw",
            "logs.availabilityZone=us-east-1a"
        };
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return TestAppliance.start(all);
    }

    /** Sends one inner packet as GWLB would, from the flow's outer source port, and waits for it to come back. */
    private static void exchange(GwlbPeer gwlb, int gwlbPort, byte[] inner) throws IOException {
        gwlb.send(gwlbPort, GwlbPeer.bytes(gwlb(inner)));
        assertThat(gwlb.receive(WAIT)).as("packet returned").isNotNull();
    }

    private static byte[] tcpPacket(long src, long dst, int sport, int dport, int flags, String payload) {
        return ipv4Packet(TCP, src, dst, tcp(sport, dport, 1, 1, flags, payload.getBytes(StandardCharsets.US_ASCII)));
    }

    private List<String> flowLog() throws IOException {
        Path file = dir.resolve("flow.json");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private List<String> awaitFlowLog(int lines) throws InterruptedException {
        // Idle timeout 1 s, plus up to one 5 s sweep of the table, plus the log's 100 ms flush.
        TestAppliance.await(
                Duration.ofSeconds(15),
                () -> {
                    try {
                        return flowLog().size() >= lines;
                    } catch (IOException e) {
                        return false;
                    }
                },
                lines + " flow log lines");
        try {
            return flowLog();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The line with times and flow id replaced by placeholders; checks their formats on the way. */
    private static String normalized(String line) {
        assertThat(line)
                .containsPattern(TIME)
                .containsPattern(EVENT_TIMESTAMP)
                .containsPattern(FLOW_ID)
                .containsPattern(AGE);
        String s = TIME.matcher(line).replaceAll("\"$1\":\"T\"");
        s = EVENT_TIMESTAMP.matcher(s).replaceAll("\"event_timestamp\":\"S\"");
        s = AGE.matcher(s).replaceAll("\"age\":A,");
        return FLOW_ID.matcher(s).replaceAll("\"flow_id\":ID");
    }

    private static long flowId(String line) {
        Matcher m = FLOW_ID.matcher(line);
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void writesOneNetflowRecordPerDirectionWhenFlowsTimeOut() throws Exception {
        try (TestAppliance appliance = start("flows.tcpIdleTimeout=1s", "flows.otherIdleTimeout=1s");
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            // An HTTP-like exchange closed by FINs from both sides; the IP packets are 40 bytes plus payload.
            exchange(gwlb, 32001, tcpPacket(CLIENT, WEB, 45000, 80, SYN, ""));
            exchange(gwlb, 32001, tcpPacket(WEB, CLIENT, 80, 45000, SYN | ACK, ""));
            exchange(gwlb, 32001, tcpPacket(CLIENT, WEB, 45000, 80, ACK, ""));
            exchange(gwlb, 32001, tcpPacket(CLIENT, WEB, 45000, 80, PSH | ACK, "GET / HTTP/1.1\r\n\r\n"));
            exchange(gwlb, 32001, tcpPacket(WEB, CLIENT, 80, 45000, PSH | ACK, "x".repeat(100)));
            exchange(gwlb, 32001, tcpPacket(CLIENT, WEB, 45000, 80, FIN | ACK, ""));
            exchange(gwlb, 32001, tcpPacket(WEB, CLIENT, 80, 45000, FIN | ACK, ""));
            exchange(gwlb, 32001, tcpPacket(CLIENT, WEB, 45000, 80, ACK, ""));
            // A DNS-like query (12 bytes) and its answer (30 bytes).
            exchange(gwlb, 32002, ipv4Packet(UDP, CLIENT, DNS, udp(53000, 53, new byte[12])));
            exchange(gwlb, 32002, ipv4Packet(UDP, DNS, CLIENT, udp(53, 53000, new byte[30])));

            List<String> lines = awaitFlowLog(4);
            assertThat(lines).hasSize(4);
            List<String> normalized = lines.stream().map(FlowLogIT::normalized).toList();
            assertThat(normalized)
                    .containsExactlyInAnyOrder(TCP_TO_SERVER, TCP_TO_CLIENT, UDP_TO_SERVER, UDP_TO_CLIENT);
            // A flow's records come together, the initiator's direction first, and share the flow id.
            int tcp = normalized.indexOf(TCP_TO_SERVER);
            int udp = normalized.indexOf(UDP_TO_SERVER);
            assertThat(normalized.get(tcp + 1)).isEqualTo(TCP_TO_CLIENT);
            assertThat(normalized.get(udp + 1)).isEqualTo(UDP_TO_CLIENT);
            assertThat(flowId(lines.get(tcp))).isEqualTo(flowId(lines.get(tcp + 1)));
            assertThat(flowId(lines.get(udp))).isEqualTo(flowId(lines.get(udp + 1)));
            assertThat(flowId(lines.get(tcp))).isNotEqualTo(flowId(lines.get(udp)));

            assertThat(appliance.metric("appliance_eve_records_written_total{type=\"netflow\"}"))
                    .isEqualTo(4.0);
            assertThat(appliance.metric("appliance_eve_records_lost_total{type=\"netflow\"}"))
                    .isEqualTo(0.0);
            assertThat(appliance.metric("appliance_eve_records_written_total{type=\"alert\"}"))
                    .isEqualTo(0.0);
        }
    }

    @Test
    void writesFlowsStillLiveAtShutdownWithReasonShutdown() throws Exception {
        try (TestAppliance appliance = start();
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            exchange(gwlb, 32003, ipv4Packet(UDP, CLIENT, DNS, udp(53001, 53, new byte[12])));
            assertThat(flowLog()).isEmpty();
        } // closes the appliance: the data plane stops, then the logs write the live flows and close
        assertThat(flowLog().stream().map(FlowLogIT::normalized))
                .containsExactly(ENVELOPE
                        + "\"src_ip\":\"10.7.0.1\",\"src_port\":53001,\"dest_ip\":\"10.7.0.3\",\"dest_port\":53,"
                        + "\"proto\":\"UDP\",\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":1,\"bytes\":40,"
                        + "\"start\":\"T\",\"end\":\"T\",\"age\":A,\"min_ttl\":64,\"max_ttl\":64,\"state\":\"new\","
                        + "\"reason\":\"shutdown\",\"alerted\":false}}}");
    }

    @Test
    void writesNoFilesWhenDisabled() throws Exception {
        try (TestAppliance appliance = start("logs.enabled=false");
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            exchange(gwlb, 32004, ipv4Packet(UDP, CLIENT, DNS, udp(53002, 53, new byte[12])));
            assertThat(appliance.application().eveLogs().log()).isNull();
            assertThat(appliance.application().dataPlane().logs().flowRecords().capacity())
                    .isZero();
        }
        assertThat(dir.resolve("flow.json")).doesNotExist();
        assertThat(dir.resolve("alert.json")).doesNotExist();
    }
}
