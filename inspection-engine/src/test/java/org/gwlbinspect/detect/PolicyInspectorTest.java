package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import java.nio.file.Path;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;

class PolicyInspectorTest {
    private final InspectionCounters counters = new InspectionCounters();
    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();

    private Verdict inspect(PolicyInspector inspector, long src, int protocol, int dstPort) {
        ByteBuf datagram = gwlb(ipv4Packet(protocol, src, ipv4(198, 51, 100, 1), udp(40000, dstPort, new byte[8])));
        assertThat(TestPackets.decode(datagram, geneve, inner)).isEqualTo(DecodeStatus.OK);
        return inspector.inspect(inner, datagram, null, 0, 0, 0);
    }

    private static CompiledPolicy compile(String resource) throws Exception {
        Path file = Path.of(PolicyInspectorTest.class.getResource(resource).toURI());
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
    }

    @Test
    void passesEverythingWithoutAPolicy() {
        PolicyInspector inspector = counters.newInspector(new ActivePolicy(null));
        assertThat(inspect(inspector, ipv4(192, 0, 2, 9), 17, 443)).isEqualTo(Verdict.PASS);
    }

    @Test
    void appliesTheStatelessEngineAndCountsOutcomesAndCustomActions() throws Exception {
        // stateless-custom-actions.json: group edge-early (policy priority 10) runs before edge-late (20). UDP 443 hits
        // edge-early's "Quic" drop; 192.0.2.0/24 falls through to edge-late's drop; ICMP to edge-late's pass.
        ActivePolicy active = new ActivePolicy(compile("/policy/stateless-custom-actions.json"));
        PolicyInspector inspector = counters.newInspector(active);
        assertThat(inspect(inspector, ipv4(192, 0, 2, 9), 17, 53)).isEqualTo(Verdict.DROP);
        assertThat(inspect(inspector, ipv4(10, 1, 1, 1), 17, 443)).isEqualTo(Verdict.DROP);
        assertThat(inspect(inspector, ipv4(10, 1, 1, 1), 1, 0)).isEqualTo(Verdict.PASS);
        assertThat(inspect(inspector, ipv4(10, 1, 1, 1), 17, 5353)).isEqualTo(Verdict.PASS); // default: to SFE
        assertThat(counters.statelessPackets(StatelessAction.DROP)).isEqualTo(2);
        assertThat(counters.statelessPackets(StatelessAction.PASS)).isEqualTo(1);
        assertThat(counters.statelessPackets(StatelessAction.FORWARD_TO_SFE)).isEqualTo(1);
        assertThat(counters.customActions()).containsEntry("default", 1L).containsEntry("quic-blocked", 1L);
    }

    @Test
    void customActionTotalsSurviveAReload() throws Exception {
        ActivePolicy active = new ActivePolicy(compile("/policy/stateless-custom-actions.json"));
        PolicyInspector inspector = counters.newInspector(active);
        inspect(inspector, ipv4(10, 1, 1, 1), 17, 5353);
        active.install(compile("/policy/stateless-custom-actions.json"));
        inspect(inspector, ipv4(10, 1, 1, 1), 17, 5353);
        assertThat(counters.customActions()).containsEntry("default", 2L);
        assertThat(active.version()).isEqualTo(2);
    }
}
