package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.stateful.EncryptionHandling;
import org.gwlbinspect.stateful.StatefulConfig;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticFlowsTest {
    private static final int IPV4 = 0x0800;

    @Test
    void numbersEveryPacketOfEveryFlowOnceInWavesOfRoundRobin() {
        SyntheticFlows flows = new SyntheticFlows(SyntheticFlows.WAVE_FLOWS + 3, 2, 100);
        byte[] packet = new byte[flows.maxPacketBytes()];
        InnerPacket inner = new InnerPacket();
        Set<String> seen = new HashSet<>();
        for (long n = 0; n < flows.packets(); n++) {
            int length = flows.write(n, packet);
            ByteBuf buf = Unpooled.wrappedBuffer(packet, 0, length);
            assertThat(inner.decode(buf, 0, length, IPV4)).isEqualTo(DecodeStatus.OK);
            int clientPort = inner.srcPort() == 443 ? inner.dstPort() : inner.srcPort();
            String key = clientPort + "/" + inner.tcp().sequenceNumber() + "/" + inner.tcpFlags();
            assertThat(seen.add(key)).as("packet %d is new", n).isTrue();
            if (n == 0) assertThat(inner.tcpFlags()).isEqualTo(0x02); // the first wave starts with SYNs
            if (n == SyntheticFlows.WAVE_FLOWS) assertThat(inner.tcpFlags()).isEqualTo(0x12); // then SYN-ACKs
        }
        assertThat(seen).hasSize((int) flows.packets()).hasSize((SyntheticFlows.WAVE_FLOWS + 3) * 6);
        assertThatThrownBy(() -> flows.write(flows.packets(), packet)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void continuesEachDirectionsSequenceNumbersAcrossThePayloadSent() {
        SyntheticFlows flows = new SyntheticFlows(1, 3, 200);
        byte[] packet = new byte[flows.maxPacketBytes()];
        InnerPacket inner = new InnerPacket();
        long[] next = new long[2]; // client, server: the sequence number each must send next
        for (int k = 0; k < flows.packetsPerFlow(); k++) {
            int length = flows.write(0, k, packet);
            inner.decode(Unpooled.wrappedBuffer(packet, 0, length), 0, length, IPV4);
            int side = inner.srcPort() == 443 ? 1 : 0;
            long seq = inner.tcp().sequenceNumber();
            if (k >= 2) assertThat(seq).as("packet %d", k).isEqualTo(next[side]);
            if (k >= 2) assertThat(inner.tcp().acknowledgmentNumber()).isEqualTo(next[1 - side]);
            boolean synOrFin = (inner.tcpFlags() & 0x03) != 0;
            next[side] = (seq + inner.payloadLength() + (synOrFin ? 1 : 0)) & 0xFFFF_FFFFL;
        }
        // The client's ClientHello and data packets; the server's data packets (3 data packets, server first).
        assertThat(flows.packetsPerFlow()).isEqualTo(7);
    }

    @Test
    void everyPacketPassesWithoutAPolicyAndTheServerNameIsWhatTheTlsParserSees(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(
                dir.resolve("deny.rules"),
                "drop tls any any -> any any (tls.sni; content:\"host-7.example.net\"; endswith; msg:\"deny\"; "
                        + "sid:1;)\n");
        CompiledPolicy policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(rules);
        try {
            // More flows than the 1 024 L7 parser sets: each flow's ServerHello gives its set back.
            assertThat(replay(null, 1500)).isEqualTo(new long[] {1500 * 8, 0, 1500});
            // Flows 7 and 1007 (names repeat every 1 000 flows): the ClientHello and the 4 packets after it are dropped
            // (the verdict is the flow's), the handshake passes.
            assertThat(replay(policy, 1500)).isEqualTo(new long[] {1500 * 8 - 10, 10, 1500});
        } finally {
            policy.patterns().close();
        }
    }

    @Test
    void underPayloadRulesEveryFlowPassesWhenTheReplayKeepsAStreamStatePerFlow(@TempDir Path dir) throws Exception {
        // A payload rule that matches nothing: each TCP flow keeps its stream state to its end, and these never end.
        Path rules = Files.writeString(
                dir.resolve("payload.rules"),
                "drop tcp any any -> any any (content:\"never-in-these-flows\"; msg:\"payload\"; sid:1;)\n");
        CompiledPolicy policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(rules);
        try {
            // Sized to the flows, as replay sizes it to --flows: nothing is dropped.
            assertThat(replay(policy, 300, ReplayPipeline.statefulFor(300))).isEqualTo(new long[] {300 * 8, 0, 300});
            // The appliance's kind of bound, smaller than the open flows, with the encrypted records inspected
            // (stateful.encryptionHandling: full): the 200 flows beyond it take the stream exception policy (drop)
            // for their ClientHello and 4 data packets; their handshakes pass.
            assertThat(replay(
                            policy,
                            300,
                            ReplayPipeline.statefulFor(100).withEncryptionHandling(EncryptionHandling.FULL)))
                    .isEqualTo(new long[] {300 * 8 - 200 * 5, 200 * 5, 300});
            // By default a flow gives its state back at the server's first encrypted record: only the first wave's
            // 156 flows beyond the 100 states, whose ClientHellos came before any was given back, are dropped; the
            // second wave's 44 flows find the states the first 100 gave back.
            assertThat(replay(policy, 300, ReplayPipeline.statefulFor(100)))
                    .isEqualTo(new long[] {300 * 8 - 156 * 5, 156 * 5, 300});
        } finally {
            policy.patterns().close();
        }
    }

    @Test
    void theStreamBoundForTheAppliancesSizeIsTheAppliancesDefaults() {
        assertThat(ReplayPipeline.statefulFor(ReplayPipeline.APPLIANCE_STREAMS)).isEqualTo(StatefulConfig.defaults());
        StatefulConfig big = ReplayPipeline.statefulFor(4 * ReplayPipeline.APPLIANCE_STREAMS);
        assertThat(big.stream().capacityStreams()).isEqualTo(4 * ReplayPipeline.APPLIANCE_STREAMS);
        // The chunk pool grows with it, in the appliance's proportion.
        assertThat(big.stream().chunkCount())
                .isEqualTo(4 * StatefulConfig.defaults().stream().chunkCount());
    }

    private static long[] replay(CompiledPolicy policy, int flowCount) {
        return replay(policy, flowCount, StatefulConfig.defaults());
    }

    /** {passed, dropped, flows created} of {@code flows} synthetic flows of 8 packets. */
    private static long[] replay(CompiledPolicy policy, int flowCount, StatefulConfig stateful) {
        SyntheticFlows flows = new SyntheticFlows(flowCount, 4, 300);
        GwlbEncapsulator encapsulator = new GwlbEncapsulator(ReplayOptions.DEFAULT_ENDPOINT_ID, 0);
        byte[] packet = new byte[flows.maxPacketBytes()];
        ByteBuf datagram = Unpooled.directBuffer(2048);
        long passed = 0;
        long dropped = 0;
        try (ReplayPipeline pipeline = new ReplayPipeline(
                policy,
                ReplayOptions.of(Path.of("-")).flows(),
                stateful,
                null,
                ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES,
                Enforcement.ENFORCE)) {
            for (long n = 0; n < flows.packets(); n++) {
                datagram.clear();
                encapsulator.encapsulate(packet, 0, flows.write(n, packet), 4, datagram);
                Verdict verdict = pipeline.inspect(
                        datagram,
                        0,
                        datagram.writerIndex(),
                        CaptureFeed.GWLB_ADDRESS,
                        encapsulator.sourcePort(),
                        CaptureFeed.APPLIANCE_ADDRESS,
                        1_700_000_000_000_000_000L + n * 1000);
                if (verdict == Verdict.PASS) passed++;
                else dropped++;
            }
            return new long[] {passed, dropped, pipeline.flowsCreated()};
        } finally {
            datagram.release();
        }
    }
}
