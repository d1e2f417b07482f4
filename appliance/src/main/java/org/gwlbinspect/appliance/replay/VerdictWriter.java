package org.gwlbinspect.appliance.replay;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.eve.IpAddresses;
import org.gwlbinspect.eve.Timestamps;

/**
 * Writes one JSON line per captured frame: its index in the capture, its time, the inner 5-tuple, the verdict
 * ({@code pass}, {@code drop}, {@code reject}, or {@code skipped} for a frame that carries no packet to replay), why it
 * was not passed, the stage that decided, and the sids of the alerts it raised. Field names follow EVE's.
 *
 * <pre>{@code
 * {"packet":4,"timestamp":"2025-11-25T18:44:02.011220+0000","src_ip":"10.100.1.10","src_port":55320,
 *  "dest_ip":"203.0.113.10","dest_port":80,"proto":"TCP","verdict":"drop","reason":"policy_drop",
 *  "decided_by":"stateful_drop","alert_sids":[4]}
 * }</pre>
 */
public final class VerdictWriter implements AutoCloseable {
    private static final String[] PROTOCOLS = new String[256];

    static {
        for (int i = 0; i < PROTOCOLS.length; i++) PROTOCOLS[i] = Integer.toString(i);
        PROTOCOLS[1] = "ICMP";
        PROTOCOLS[6] = "TCP";
        PROTOCOLS[17] = "UDP";
        PROTOCOLS[58] = "IPv6-ICMP";
        PROTOCOLS[132] = "SCTP";
    }

    private final JsonGenerator json;
    private final byte[] scratch = new byte[64];

    /** Writes to {@code out}, which {@link #close} closes unless {@code keepOpen} (standard output). */
    public VerdictWriter(OutputStream out, boolean keepOpen) throws IOException {
        JsonFactory factory = JsonFactory.builder().build();
        if (keepOpen) factory.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        json = factory.createGenerator(out, JsonEncoding.UTF8);
        json.setRootValueSeparator(null);
    }

    /** A frame that was replayed. */
    public void write(
            long index,
            long timestampNanos,
            InnerPacket inner,
            boolean innerDecoded,
            String verdict,
            String reason,
            String decidedBy,
            long[] alertSids,
            int alertCount)
            throws IOException {
        start(index, timestampNanos);
        if (innerDecoded) {
            json.writeStringField("src_ip", address(inner.ipVersion(), inner.srcAddrHi(), inner.srcAddrLo()));
            if (hasPorts(inner)) json.writeNumberField("src_port", inner.srcPort());
            json.writeStringField("dest_ip", address(inner.ipVersion(), inner.dstAddrHi(), inner.dstAddrLo()));
            if (hasPorts(inner)) json.writeNumberField("dest_port", inner.dstPort());
            json.writeStringField("proto", PROTOCOLS[inner.protocol() & 0xFF]);
        }
        json.writeStringField("verdict", verdict);
        if (reason != null) json.writeStringField("reason", reason);
        if (decidedBy != null) json.writeStringField("decided_by", decidedBy);
        if (alertCount > 0) {
            json.writeArrayFieldStart("alert_sids");
            for (int i = 0; i < alertCount; i++) json.writeNumber(alertSids[i]);
            json.writeEndArray();
        }
        end();
    }

    /** A frame that was not replayed. */
    public void writeSkipped(long index, long timestampNanos, String reason) throws IOException {
        start(index, timestampNanos);
        json.writeStringField("verdict", "skipped");
        json.writeStringField("reason", reason);
        end();
    }

    private void start(long index, long timestampNanos) throws IOException {
        json.writeStartObject();
        json.writeNumberField("packet", index);
        int end = Timestamps.formatIso8601Micros(Math.floorDiv(timestampNanos, 1000L), scratch, 0);
        json.writeStringField("timestamp", new String(scratch, 0, end, StandardCharsets.US_ASCII));
    }

    private void end() throws IOException {
        json.writeEndObject();
        json.writeRaw('\n');
    }

    private static boolean hasPorts(InnerPacket inner) {
        int p = inner.protocol();
        return (p == 6 || p == 17 || p == 132) && !(inner.isFragment() && !inner.isFirstFragment());
    }

    private String address(int version, long hi, long lo) {
        int end = version == 4 ? IpAddresses.formatIpv4(lo, scratch, 0) : IpAddresses.formatIpv6(hi, lo, scratch, 0);
        return new String(scratch, 0, end, StandardCharsets.US_ASCII);
    }

    public void flush() throws IOException {
        json.flush();
    }

    @Override
    public void close() throws IOException {
        json.close();
    }
}
