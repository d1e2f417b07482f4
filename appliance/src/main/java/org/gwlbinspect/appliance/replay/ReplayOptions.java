package org.gwlbinspect.appliance.replay;

import java.nio.file.Path;
import java.util.Objects;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.stream.StreamConfig;

/**
 * What to replay and where the results go.
 *
 * @param capture the pcap or pcapng file (null only for a load test of synthetic flows, {@link TargetReplay})
 * @param policy the compiled policy, or null for pass-through
 * @param flows the flow table's size and idle timeouts
 * @param logsDir where {@code alert.json}, {@code flow.json} and {@code verdicts.json} are written (replaced), or null
 * @param verdicts where the verdict lines go instead of {@code logsDir/verdicts.json}: a file, {@code -} for standard
 *     output, or null
 * @param writeAllowed a pcap file to receive the frames that passed, or null
 * @param endpointId the GWLB endpoint ID of the encapsulated packets
 * @param attachmentId their attachment ID
 * @param maxDatagramBytes the appliance's {@code dataPlane.maxDatagramBytes}: larger datagrams are dropped as it does
 * @param firewallName the EVE envelope's {@code firewall_name}
 * @param availabilityZone the EVE envelope's {@code availability_zone}
 * @param streams TCP flows whose reassembly state is kept at once ({@code --streams}), 0 for one per flow the table
 *     holds (up to {@link #DEFAULT_MAX_STREAMS}): a capture's flows rarely close before it ends, and under payload rules a flow keeps its state to its end,
 *     so the appliance's bound ({@link ReplayPipeline#APPLIANCE_STREAMS}) would drop the packets of every later flow
 */
public record ReplayOptions(
        Path capture,
        CompiledPolicy policy,
        FlowTableConfig flows,
        Path logsDir,
        String verdicts,
        Path writeAllowed,
        long endpointId,
        long attachmentId,
        int maxDatagramBytes,
        String firewallName,
        String availabilityZone,
        int streams) {

    /** {@code vpce-01234567890abcdef}: the endpoint ID of encapsulated packets unless one is given. */
    public static final long DEFAULT_ENDPOINT_ID = 0x01234567890abcdefL;

    /**
     * Most stream states kept unless {@code --streams} says otherwise: about 4 KiB each (2 KiB of heap, a 2 KiB chunk
     * of reassembly buffer), so 512 MiB; a million (for {@code --flows 1048576}) would not fit a 2 GiB JVM.
     */
    public static final int DEFAULT_MAX_STREAMS = 1 << 17;

    /** The appliance's default {@code dataPlane.maxDatagramBytes}. */
    public static final int DEFAULT_MAX_DATAGRAM_BYTES = 9216;

    public ReplayOptions {
        Objects.requireNonNull(flows, "flows");
        Objects.requireNonNull(firewallName, "firewallName");
        Objects.requireNonNull(availabilityZone, "availabilityZone");
        if (streams < 0 || streams > StreamConfig.MAX_CAPACITY_STREAMS)
            throw new IllegalArgumentException(
                    "--streams must be in 0.." + StreamConfig.MAX_CAPACITY_STREAMS + ", got " + streams);
    }

    /** Pass-through replay of {@code capture} with GWLB's default flow timeouts and no outputs. */
    public static ReplayOptions of(Path capture) {
        return new ReplayOptions(
                capture,
                null,
                new FlowTableConfig(
                        1 << 16,
                        FlowTableConfig.defaults().tcpIdleTimeout(),
                        FlowTableConfig.defaults().otherIdleTimeout(),
                        FlowTableConfig.defaults().fragmentTimeout()),
                null,
                null,
                null,
                DEFAULT_ENDPOINT_ID,
                0,
                DEFAULT_MAX_DATAGRAM_BYTES,
                "gwlb-inspect",
                "replay",
                0);
    }

    public ReplayOptions withPolicy(CompiledPolicy compiled) {
        return new ReplayOptions(
                capture,
                compiled,
                flows,
                logsDir,
                verdicts,
                writeAllowed,
                endpointId,
                attachmentId,
                maxDatagramBytes,
                firewallName,
                availabilityZone,
                streams);
    }

    public ReplayOptions withOutputs(Path logs, String verdictFile, Path allowed) {
        return new ReplayOptions(
                capture,
                policy,
                flows,
                logs,
                verdictFile,
                allowed,
                endpointId,
                attachmentId,
                maxDatagramBytes,
                firewallName,
                availabilityZone,
                streams);
    }

    /**
     * The stream states the replay keeps: {@link #streams()}, or when that is 0 one per flow the table holds, up to
     * {@link #DEFAULT_MAX_STREAMS}.
     */
    public int streamCapacity() {
        return streams != 0 ? streams : Math.min(flows.capacity(), DEFAULT_MAX_STREAMS);
    }
}
