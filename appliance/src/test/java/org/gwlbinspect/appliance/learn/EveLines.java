package org.gwlbinspect.appliance.learn;

/** EVE lines in NFW's envelope as the appliance writes them (docs/logs.md), for the learning tests. */
public final class EveLines {
    public static final String DEFAULT_ACTION = "aws:alert_established action";

    private EveLines() {}

    /** An alert record; {@code sni} or {@code host} null leaves that object out. */
    public static String alert(String time, long flowId, long sid, String signature, String sni, String host) {
        String app = sni != null ? "tls" : host != null ? "http" : "dns";
        StringBuilder s = new StringBuilder()
                .append(
                        "{\"firewall_name\":\"fw\",\"availability_zone\":\"eu-west-1a\",\"event_timestamp\":\"1764118800\",")
                .append("\"event\":{\"timestamp\":\"")
                .append(time)
                .append("\",\"flow_id\":")
                .append(flowId)
                .append(
                        ",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.5\",\"src_port\":40000,\"dest_ip\":\"198.51.100.10\",")
                .append("\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"")
                .append(app)
                .append("\",\"direction\":\"to_server\",\"alert\":{\"action\":\"allowed\",\"signature_id\":")
                .append(sid)
                .append(",\"rev\":0,\"signature\":\"")
                .append(signature)
                .append("\",\"category\":\"\",\"severity\":3},\"verdict\":{\"action\":\"alert\"},")
                .append("\"would_verdict\":{\"action\":\"drop\"}");
        if (sni != null) s.append(",\"tls\":{\"sni\":\"").append(sni).append("\",\"version\":\"UNDETERMINED\"}");
        if (host != null) s.append(",\"http\":{\"hostname\":\"").append(host).append("\"}");
        return s.append("}}").toString();
    }

    /** A default-action alert at {@code 2026-11-26T01:MM:SS}. */
    public static String defaultAlert(String minuteSecond, long flowId, String sni, String host) {
        return alert("2026-11-26T01:" + minuteSecond + ".000000+0000", flowId, 4, DEFAULT_ACTION, sni, host);
    }

    public static String netflow(long flowId) {
        return "{\"firewall_name\":\"fw\",\"availability_zone\":\"eu-west-1a\",\"event_timestamp\":\"1764118800\","
                + "\"event\":{\"timestamp\":\"2026-11-26T01:00:00.000000+0000\",\"flow_id\":" + flowId
                + ",\"event_type\":\"netflow\",\"src_ip\":\"10.0.0.5\",\"src_port\":40000,"
                + "\"dest_ip\":\"198.51.100.10\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
                + "\"netflow\":{\"pkts\":6,\"bytes\":395,\"start\":\"2026-11-26T01:00:00.000000+0000\","
                + "\"end\":\"2026-11-26T01:00:00.000000+0000\",\"age\":0,\"min_ttl\":64,\"max_ttl\":64,"
                + "\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":true}}}";
    }
}
