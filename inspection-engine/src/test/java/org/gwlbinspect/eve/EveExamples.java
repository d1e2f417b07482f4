package org.gwlbinspect.eve;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The records of policy.md §4's log examples, and helpers to build and serialise records in tests. */
final class EveExamples {

    static final String TLS_ALLOWLIST_ALERT = "{\"firewall_name\":\"network-firewall\","
            + "\"availability_zone\":\"ap-northeast-1c\",\"event_timestamp\":\"1631177288\","
            + "\"event\":{\"timestamp\":\"2021-09-09T08:48:08.126655+0000\",\"flow_id\":1019585680161813,"
            + "\"event_type\":\"alert\",\"src_ip\":\"10.0.2.182\",\"src_port\":59601,\"dest_ip\":\"172.217.26.4\","
            + "\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
            + "\"alert\":{\"action\":\"blocked\",\"signature_id\":4,\"rev\":1,"
            + "\"signature\":\"not matching any TLS allowlisted FQDNs\",\"category\":\"\",\"severity\":1},"
            + "\"tls\":{\"sni\":\"www.google.com\",\"version\":\"UNDETERMINED\",\"ja3\":{},\"ja3s\":{}}}}";

    static final String DEFAULT_ACTION_HTTP_ALERT = "{\"firewall_name\":\"use1-fw\","
            + "\"availability_zone\":\"us-east-1b\",\"event_timestamp\":\"1741966203\","
            + "\"event\":{\"timestamp\":\"2025-03-14T15:30:03.633598+0000\",\"flow_id\":1262530044160208,"
            + "\"event_type\":\"alert\",\"src_ip\":\"10.170.22.77\",\"src_port\":57516,"
            + "\"dest_ip\":\"23.218.218.146\",\"dest_port\":80,\"proto\":\"TCP\",\"app_proto\":\"http\","
            + "\"direction\":\"to_server\",\"alert\":{\"action\":\"blocked\",\"signature_id\":4,\"rev\":0,"
            + "\"signature\":\"aws:alert_established action\",\"category\":\"\",\"severity\":3},"
            + "\"verdict\":{\"action\":\"drop\"},\"http\":{\"hostname\":\"ctldl.windowsupdate.com\","
            + "\"url\":\"/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab\","
            + "\"http_user_agent\":\"Microsoft-CryptoAPI/10.0\",\"http_method\":\"GET\","
            + "\"protocol\":\"HTTP/1.1\",\"length\":0}}}";

    static final String PASS_WITH_ALERT = "{\"firewall_name\":\"use1-fw\",\"availability_zone\":\"us-east-1a\","
            + "\"event_timestamp\":\"1752419374\",\"aws_metadata\":{\"resource_arn\":"
            + "\"arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/custom-egress-rules\"},"
            + "\"event\":{\"timestamp\":\"2025-07-13T15:09:34.606289+0000\",\"flow_id\":1734870487617660,"
            + "\"event_type\":\"alert\",\"tx_id\":0,\"src_ip\":\"10.170.18.47\",\"src_port\":49402,"
            + "\"dest_ip\":\"67.220.244.190\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
            + "\"direction\":\"to_server\",\"alert\":{\"action\":\"allowed\",\"signature_id\":100003,\"rev\":1,"
            + "\"signature\":\"matching TLS allow-listed FQDNs\",\"category\":\"\",\"severity\":3},"
            + "\"verdict\":{\"action\":\"pass\"},"
            + "\"tls\":{\"sni\":\"ssm.us-east-1.amazonaws.com\",\"version\":\"UNDETERMINED\"}}}";

    static final String NETFLOW = "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
            + "\"event_timestamp\":\"1755003965\",\"event\":{\"timestamp\":\"2025-08-12T13:06:05.059525+0000\","
            + "\"flow_id\":2031903400513076,\"event_type\":\"netflow\",\"src_ip\":\"10.80.1.44\","
            + "\"src_port\":59772,\"dest_ip\":\"209.85.203.113\",\"dest_port\":80,\"proto\":\"TCP\","
            + "\"app_proto\":\"http\",\"netflow\":{\"pkts\":6,\"bytes\":395,"
            + "\"start\":\"2025-08-12T13:05:03.931841+0000\",\"end\":\"2025-08-12T13:05:03.942320+0000\","
            + "\"age\":0,\"min_ttl\":126,\"max_ttl\":126,\"state\":\"closed\",\"reason\":\"timeout\","
            + "\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,"
            + "\"ack\":true}}}";

    private EveExamples() {}

    static void fillTlsAllowlistAlert(EveRecord r) {
        r.reset(EveRecord.EventType.ALERT);
        r.timestampMicros(micros("2021-09-09T08:48:08.126655Z"))
                .flowId(1019585680161813L)
                .ipv4(ipv4("10.0.2.182"), ipv4("172.217.26.4"))
                .ports(59601, 443)
                .proto(6)
                .appProto(EveRecord.AppProto.TLS)
                .alert(EveRecord.AlertAction.BLOCKED, 4, 1, "not matching any TLS allowlisted FQDNs", "", 1)
                .tls(0, true)
                .sni(ascii("www.google.com"), 0, 14);
    }

    static void fillDefaultActionHttpAlert(EveRecord r) {
        r.reset(EveRecord.EventType.ALERT);
        byte[] host = ascii("ctldl.windowsupdate.com");
        byte[] url = ascii("/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab");
        byte[] agent = ascii("Microsoft-CryptoAPI/10.0");
        r.timestampMicros(micros("2025-03-14T15:30:03.633598Z"))
                .flowId(1262530044160208L)
                .ipv4(ipv4("10.170.22.77"), ipv4("23.218.218.146"))
                .ports(57516, 80)
                .proto(6)
                .appProto(EveRecord.AppProto.HTTP)
                .direction(EveRecord.Direction.TO_SERVER)
                .alert(EveRecord.AlertAction.BLOCKED, 4, 0, "aws:alert_established action", "", 3)
                .verdict(EveRecord.VerdictAction.DROP)
                .httpHostname(host, 0, host.length)
                .httpUrl(url, 0, url.length)
                .httpUserAgent(agent, 0, agent.length)
                .httpMethod(ascii("GET"), 0, 3)
                .httpProtocol(ascii("HTTP/1.1"), 0, 8)
                .http(EveRecord.ABSENT, 0);
    }

    static void fillPassWithAlert(EveRecord r) {
        r.reset(EveRecord.EventType.ALERT);
        byte[] sni = ascii("ssm.us-east-1.amazonaws.com");
        r.timestampMicros(micros("2025-07-13T15:09:34.606289Z"))
                .resourceArn("arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/custom-egress-rules")
                .flowId(1734870487617660L)
                .txId(0)
                .ipv4(ipv4("10.170.18.47"), ipv4("67.220.244.190"))
                .ports(49402, 443)
                .proto(6)
                .appProto(EveRecord.AppProto.TLS)
                .direction(EveRecord.Direction.TO_SERVER)
                .alert(EveRecord.AlertAction.ALLOWED, 100003, 1, "matching TLS allow-listed FQDNs", "", 3)
                .verdict(EveRecord.VerdictAction.PASS)
                .tls(0, false)
                .sni(sni, 0, sni.length);
    }

    static void fillNetflow(EveRecord r) {
        r.reset(EveRecord.EventType.NETFLOW);
        r.timestampMicros(micros("2025-08-12T13:06:05.059525Z"))
                .flowId(2031903400513076L)
                .ipv4(ipv4("10.80.1.44"), ipv4("209.85.203.113"))
                .ports(59772, 80)
                .proto(6)
                .appProto(EveRecord.AppProto.HTTP)
                .netflow(6, 395, micros("2025-08-12T13:05:03.931841Z"), micros("2025-08-12T13:05:03.942320Z"), 126, 126)
                .flowEnd(EveRecord.FlowState.CLOSED, EveRecord.FlowReason.TIMEOUT, false)
                .tcpFlags(0x1b);
    }

    static long micros(String instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
    }

    static long ipv4(String dotted) {
        try {
            return Integer.toUnsignedLong(
                    ByteBuffer.wrap(InetAddress.getByName(dotted).getAddress()).getInt());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The two big-endian halves of an IPv6 literal. */
    static long[] ipv6(String literal) {
        try {
            ByteBuffer b = ByteBuffer.wrap(InetAddress.getByName(literal).getAddress());
            return new long[] {b.getLong(), b.getLong()};
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
