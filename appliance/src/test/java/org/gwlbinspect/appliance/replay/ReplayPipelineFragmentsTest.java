package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fragmented UDP datagram through the appliance's pipeline: dropped whole when the policy drops its first fragment,
 * whether the rule decides the flow (ports only) or only that packet (a payload match), and passed whole otherwise.
 */
class ReplayPipelineFragmentsTest {
    private static final long CLIENT = ipv4(10, 10, 1, 10);
    private static final long SERVER = ipv4(198, 51, 100, 10);

    @TempDir
    Path dir;

    private CompiledPolicy policy;
    private ReplayPipeline pipeline;
    private long now = 1_700_000_000_000_000_000L;

    @AfterEach
    void close() {
        if (pipeline != null) pipeline.close();
        if (policy != null) policy.patterns().close();
    }

    private void start(String rules) throws Exception {
        policy = new PolicyCompiler(PolicyLoadOptions.defaults())
                .compile(Files.writeString(dir.resolve("fragments.rules"), rules));
        pipeline = new ReplayPipeline(
                policy, ReplayOptions.of(Path.of("-")).flows(), null, ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES);
    }

    /** The three IPv4 fragments of one UDP datagram (40 payload bytes, then 32 and 16 more), IP ID {@code id}. */
    private static byte[][] fragments(int id, int dstPort, String start) {
        byte[] payload = Arrays.copyOf(start.getBytes(StandardCharsets.US_ASCII), 40 + 32 + 16);
        byte[] datagram = udp(40000, dstPort, payload); // 8 + 88 bytes
        return new byte[][] {
            ipv4Packet(17, CLIENT, SERVER, id, 0x2000, new byte[0], Arrays.copyOfRange(datagram, 0, 48)),
            ipv4Packet(17, CLIENT, SERVER, id, 0x2000 | 48 / 8, new byte[0], Arrays.copyOfRange(datagram, 48, 80)),
            ipv4Packet(17, CLIENT, SERVER, id, 80 / 8, new byte[0], Arrays.copyOfRange(datagram, 80, 96)),
        };
    }

    private Verdict inspect(byte[] packet) {
        ByteBuf heap = gwlb(packet);
        ByteBuf datagram = Unpooled.directBuffer(heap.readableBytes()).writeBytes(heap);
        try {
            return pipeline.inspect(
                    datagram,
                    0,
                    datagram.readableBytes(),
                    CaptureFeed.GWLB_ADDRESS,
                    50000,
                    CaptureFeed.APPLIANCE_ADDRESS,
                    now += 1000);
        } finally {
            datagram.release();
        }
    }

    @Test
    void dropsTheLaterFragmentsOfADatagramWhoseFirstFragmentAPayloadRuleDropped() throws Exception {
        start("drop udp any any -> any 5303 (msg:\"deny payload\"; content:\"DENY\"; sid:3;)\n");
        byte[][] denied = fragments(0x101, 5303, "DENY this datagram");

        assertThat(inspect(denied[0])).isEqualTo(Verdict.DROP);
        assertThat(inspect(denied[1])).isEqualTo(Verdict.DROP);
        assertThat(pipeline.dropReason()).isEqualTo(DropReason.POLICY_DROP);
        assertThat(inspect(denied[2])).isEqualTo(Verdict.DROP);
        assertThat(pipeline.dropReason()).isEqualTo(DropReason.POLICY_DROP);
        // The rule decided that packet only: the next datagram of the same flow passes whole.
        for (byte[] fragment : fragments(0x102, 5303, "allow this one")) {
            assertThat(inspect(fragment)).isEqualTo(Verdict.PASS);
        }
    }

    @Test
    void dropsEveryFragmentOfADatagramWhoseFlowAPortRuleDropped() throws Exception {
        start("drop udp any any -> any 5302 (msg:\"deny port\"; sid:2;)\n");

        for (byte[] fragment : fragments(0x201, 5302, "anything")) {
            assertThat(inspect(fragment)).isEqualTo(Verdict.DROP);
            assertThat(pipeline.dropReason()).isEqualTo(DropReason.POLICY_DROP);
        }
        for (byte[] fragment : fragments(0x202, 5301, "another port")) {
            assertThat(inspect(fragment)).isEqualTo(Verdict.PASS);
        }
    }
}
