package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EveSerializerTest {

    private final LineBuffer line = new LineBuffer();
    private final JsonGenerator generator;
    private final EveRecord record = new EveRecord();

    EveSerializerTest() throws IOException {
        generator = new JsonFactory().createGenerator(line, JsonEncoding.UTF8);
        generator.setRootValueSeparator(null);
    }

    private String serialize(String firewallName, String availabilityZone) throws IOException {
        return serialize(new EveSerializer(firewallName, availabilityZone));
    }

    private String serialize(EveSerializer serializer) throws IOException {
        line.reset();
        serializer.write(record, generator);
        generator.flush();
        return line.text();
    }

    private String serialize() throws IOException {
        return serialize("fw", "az");
    }

    private JsonNode event() throws IOException {
        return new ObjectMapper().readTree(serialize()).get("event");
    }

    private void tcpAlert() {
        record.reset(EveRecord.EventType.ALERT);
        record.timestampMicros(0)
                .flowId(1)
                .ipv4(EveExamples.ipv4("10.0.0.1"), EveExamples.ipv4("10.0.0.2"))
                .ports(1234, 443)
                .proto(6)
                .alert(EveRecord.AlertAction.BLOCKED, 5, 1, "msg", "", 3);
    }

    @Test
    void writesTheDestinationBindingObjectAfterTheApplicationFields() throws IOException {
        tcpAlert();
        record.verdict(EveRecord.VerdictAction.DROP);
        byte[] sni = "allowed.example".getBytes(StandardCharsets.US_ASCII);
        record.tls(0, false).sni(sni, 0, sni.length);
        record.destinationBinding(sni, 0, sni.length, "mismatch");

        assertThat(serialize())
                .endsWith("\"verdict\":{\"action\":\"drop\"},\"tls\":{\"sni\":\"allowed.example\",\"version\":"
                        + "\"UNDETERMINED\"},\"destination_binding\":{\"name\":\"allowed.example\",\"result\":"
                        + "\"mismatch\"}}}");
        record.reset(EveRecord.EventType.ALERT);
        tcpAlert();
        assertThat(serialize()).doesNotContain("destination_binding");
    }

    @Test
    void writesTlsAllowlistAlertExactlyAsNfw() throws IOException {
        EveExamples.fillTlsAllowlistAlert(record);
        assertThat(serialize("network-firewall", "ap-northeast-1c")).isEqualTo(EveExamples.TLS_ALLOWLIST_ALERT);
    }

    @Test
    void writesDefaultActionAlertWithHttpMetadataExactlyAsNfw() throws IOException {
        EveExamples.fillDefaultActionHttpAlert(record);
        assertThat(serialize("use1-fw", "us-east-1b")).isEqualTo(EveExamples.DEFAULT_ACTION_HTTP_ALERT);
    }

    @Test
    void writesPassWithAlertAndResourceArnExactlyAsNfw() throws IOException {
        EveExamples.fillPassWithAlert(record);
        assertThat(serialize("use1-fw", "us-east-1a")).isEqualTo(EveExamples.PASS_WITH_ALERT);
    }

    @Test
    void writesNetflowRecordExactlyAsNfw() throws IOException {
        EveExamples.fillNetflow(record);
        assertThat(serialize("networkfirewall", "eu-west-1a")).isEqualTo(EveExamples.NETFLOW);
    }

    @Test
    void writesRejectAsDropWithTargetAndTcpReset() throws IOException {
        tcpAlert();
        record.rejectVerdict();
        assertThat(serialize())
                .contains("\"verdict\":{\"action\":\"drop\",\"reject-target\":\"to_client\","
                        + "\"reject\":[\"tcp-reset\"]}");
    }

    @Test
    void writesIcmpTypeAndCodeInsteadOfPorts() throws IOException {
        record.reset(EveRecord.EventType.ALERT);
        record.ipv4(1, 2).ports(7, 8).proto(1).icmp(8, 0);
        assertThat(serialize())
                .contains("\"src_ip\":\"0.0.0.1\",\"dest_ip\":\"0.0.0.2\",\"proto\":\"ICMP\","
                        + "\"icmp_type\":8,\"icmp_code\":0,\"alert\"");
    }

    @Test
    void writesIpv6AddressesCompressedAndIpv6IcmpProtocolName() throws IOException {
        long[] src = EveExamples.ipv6("2001:db8::1");
        long[] dst = EveExamples.ipv6("fe80::1:2:3:4");
        record.reset(EveRecord.EventType.ALERT);
        record.ipv6(src[0], src[1], dst[0], dst[1]).proto(58);
        assertThat(serialize())
                .contains("\"src_ip\":\"2001:db8::1\",\"dest_ip\":\"fe80::1:2:3:4\",\"proto\":\"IPv6-ICMP\"");
    }

    @Test
    void writesUnnamedProtocolNumberInDecimal() throws IOException {
        record.reset(EveRecord.EventType.ALERT);
        record.proto(253);
        assertThat(event().get("proto").asText()).isEqualTo("253");
    }

    @Test
    void escapesQuotesAndControlCharactersInPacketBytes() throws IOException {
        tcpAlert();
        byte[] ua = "a\"b\\c\u0001".getBytes(StandardCharsets.US_ASCII);
        record.httpUserAgent(ua, 0, ua.length);
        assertThat(serialize()).contains("\"http_user_agent\":\"a\\\"b\\\\c\\u0001\"");
        assertThat(event().get("http").get("http_user_agent").asText()).isEqualTo("a\"b\\c\u0001");
    }

    @Test
    void keepsValidUtf8AndEscapesInvalidBytesAsHexText() throws IOException {
        tcpAlert();
        byte[] sni = {'x', (byte) 0xC3, (byte) 0xA9, '.', (byte) 0xFF, (byte) 0xC3};
        record.tls(0x0303, false).sni(sni, 0, sni.length);
        // Invalid as a whole, so every high byte becomes \xNN text (Suricata's JsonBuilder does the same).
        assertThat(event().get("tls").get("sni").asText()).isEqualTo("x\\xc3\\xa9.\\xff\\xc3");

        byte[] valid = {'x', (byte) 0xC3, (byte) 0xA9};
        record.sni(valid, 0, valid.length);
        assertThat(event().get("tls").get("sni").asText()).isEqualTo("xé");
        assertThat(event().get("tls").get("version").asText()).isEqualTo("TLS 1.2");
    }

    @Test
    void namesTlsVersionsAsSuricataDoes() throws IOException {
        tcpAlert();
        int[] versions = {0, 0x0200, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c};
        String[] names = {"UNDETERMINED", "SSLv2", "SSLv3", "TLSv1", "TLS 1.1", "TLS 1.2", "TLS 1.3", "0x7f1c"};
        for (int i = 0; i < versions.length; i++) {
            record.tls(versions[i], false);
            assertThat(event().get("tls").get("version").asText()).isEqualTo(names[i]);
        }
    }

    @Test
    void writesRuleMetadataRawAfterSeverity() throws IOException {
        tcpAlert();
        record.metadataJson("{\"policy\":[\"balanced\"]}");
        assertThat(serialize()).contains("\"severity\":3,\"metadata\":{\"policy\":[\"balanced\"]}}");
    }

    @Test
    void writesDnsQueryObject() throws IOException {
        record.reset(EveRecord.EventType.ALERT);
        byte[] name = EveExamples.ascii("example.com");
        record.proto(17).appProto(EveRecord.AppProto.DNS).dnsQuery(name, 0, name.length, 28);
        assertThat(serialize())
                .endsWith(
                        "\"dns\":{\"query\":[{\"type\":\"query\",\"rrname\":\"example.com\",\"rrtype\":\"AAAA\"}]}}}");
        record.dnsQuery(name, 0, name.length, 4711);
        assertThat(event().get("dns").get("query").get(0).get("rrtype").asText())
                .isEqualTo("4711");
    }

    @Test
    void leavesOutStateReasonAlertedAndTcpWhenUnset() throws IOException {
        record.reset(EveRecord.EventType.NETFLOW);
        record.proto(17).appProto(EveRecord.AppProto.FAILED).netflow(1, 60, 0, 2_500_000, 64, 64);
        assertThat(serialize())
                .endsWith("\"app_proto\":\"failed\",\"netflow\":{\"pkts\":1,\"bytes\":60,"
                        + "\"start\":\"1970-01-01T00:00:00.000000+0000\",\"end\":\"1970-01-01T00:00:02.500000+0000\","
                        + "\"age\":2,\"min_ttl\":64,\"max_ttl\":64}}}");
    }

    @Test
    void writesMidstreamTcpFlagsAsDoubleZero() throws IOException {
        record.reset(EveRecord.EventType.NETFLOW);
        record.proto(6).tcpFlags(0);
        assertThat(serialize()).endsWith("\"tcp\":{\"tcp_flags\":\"00\"}}}");
        record.tcpFlags(0xFF);
        assertThat(serialize())
                .endsWith("\"tcp\":{\"tcp_flags\":\"ff\",\"syn\":true,\"fin\":true,\"rst\":true,\"psh\":true,"
                        + "\"ack\":true,\"urg\":true,\"ecn\":true,\"cwr\":true}}}");
    }

    @Test
    void escapesNonAsciiFirewallNameAsUtf8() throws IOException {
        EveExamples.fillNetflow(record);
        assertThat(new ObjectMapper()
                        .readTree(serialize("fw-ü\"", "az"))
                        .get("firewall_name")
                        .asText())
                .isEqualTo("fw-ü\"");
    }

    @Test
    void allocatesNothingPerSerialisedRecord() throws IOException {
        EveSerializer serializer = new EveSerializer("use1-fw", "us-east-1b");
        EveRecord alert = new EveRecord();
        EveExamples.fillDefaultActionHttpAlert(alert);
        alert.metadataJson("{\"policy\":[\"balanced\"]}").resourceArn("arn:aws:network-firewall:x");
        EveRecord flow = new EveRecord();
        EveExamples.fillNetflow(flow);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) { // warm-up: JIT and Jackson's lazily created buffers
            writeTwice(serializer, alert, flow);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            writeTwice(serializer, alert, flow);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).isLessThan(1024);
    }

    private void writeTwice(EveSerializer serializer, EveRecord alert, EveRecord flow) throws IOException {
        line.reset();
        serializer.write(alert, generator);
        serializer.write(flow, generator);
        generator.flush();
    }
}
