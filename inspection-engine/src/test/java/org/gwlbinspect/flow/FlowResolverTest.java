package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.icmp;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Arrays;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.junit.jupiter.api.Test;

class FlowResolverTest {
    private static final long CLIENT = ipv4(10, 1, 0, 1);
    private static final long SERVER = ipv4(10, 2, 0, 1);
    private static final int GWLB = 0x0A630001;
    private static final int APPLIANCE = 0x0A630002;

    private final FlowTable table = new FlowTable(
            new FlowTableConfig(1024, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30)));
    private final FragmentTracker fragments = new FragmentTracker(table, 256, Duration.ofSeconds(30));
    private final FlowResolver resolver = new FlowResolver(table, fragments);
    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();

    private int resolve(byte[] innerPacket, int gwlbPort, long now) {
        ByteBuf datagram = gwlb(innerPacket);
        assertThat(TestPackets.decode(datagram, geneve, inner)).isEqualTo(DecodeStatus.OK);
        return resolver.resolve(geneve, inner, datagram, 0, datagram.readableBytes(), GWLB, gwlbPort, APPLIANCE, now);
    }

    @Test
    void bothDirectionsResolveToOneFlowAndRecordTheRoute() {
        int request = resolve(ipv4Packet(17, CLIENT, SERVER, udp(40000, 53, new byte[4])), 50000, 1);
        int reply = resolve(ipv4Packet(17, SERVER, CLIENT, udp(53, 40000, new byte[8])), 50001, 2);
        assertThat(reply).isEqualTo(request).isNotNegative();
        assertThat(table.createdFlows()).isEqualTo(1);
        assertThat(table.gwlbSourcePort(request)).isEqualTo(50001); // the latest packet's route
        assertThat(table.packets(request, FlowKey.A_TO_B) + table.packets(request, FlowKey.B_TO_A))
                .isEqualTo(2);
    }

    @Test
    void reportsWhichWayTheResolvedPacketTravels() {
        FlowKey request = new FlowKey().setIpv4(TestPackets.ENDPOINT_ID, (int) CLIENT, (int) SERVER, 17, 40000, 53);
        resolve(ipv4Packet(17, CLIENT, SERVER, udp(40000, 53, new byte[4])), 50000, 1);
        assertThat(resolver.direction()).isEqualTo(request.direction());
        resolve(ipv4Packet(17, SERVER, CLIENT, udp(53, 40000, new byte[8])), 50001, 2);
        assertThat(resolver.direction()).isEqualTo(request.direction() ^ 1);
    }

    @Test
    void nonFirstFragmentFindsTheFlowOfItsFirstFragment() {
        byte[] first = ipv4Packet(17, CLIENT, SERVER, 0x1234, 0x2000, new byte[0], udp(40000, 9000, new byte[24]));
        byte[] second = ipv4Packet(17, CLIENT, SERVER, 0x1234, 32 / 8, new byte[0], new byte[16]);
        int flow = resolve(first, 50000, 1);
        assertThat(resolve(second, 50000, 2)).isEqualTo(flow);
        assertThat(table.createdFlows()).isEqualTo(1);
    }

    @Test
    void laterFragmentsOfADatagramWhoseFirstFragmentWasDroppedAreReported() {
        byte[] first = ipv4Packet(17, CLIENT, SERVER, 0x1234, 0x2000, new byte[0], udp(40000, 9000, new byte[24]));
        byte[] second = ipv4Packet(17, CLIENT, SERVER, 0x1234, 32 / 8, new byte[0], new byte[16]);
        byte[] nextFirst = ipv4Packet(17, CLIENT, SERVER, 0x1235, 0x2000, new byte[0], udp(40000, 9000, new byte[24]));
        byte[] nextSecond = ipv4Packet(17, CLIENT, SERVER, 0x1235, 32 / 8, new byte[0], new byte[16]);
        int flow = resolve(first, 50000, 1);
        resolver.datagramDropped(inner, 1); // the policy dropped the first fragment just resolved

        assertThat(resolve(second, 50000, 2)).isEqualTo(FlowResolver.FRAGMENT_OF_DROPPED_DATAGRAM);
        // The flow's next datagram is judged on its own.
        assertThat(resolve(nextFirst, 50000, 3)).isEqualTo(flow);
        assertThat(resolve(nextSecond, 50000, 4)).isEqualTo(flow);
    }

    @Test
    void droppingAPacketThatIsNoFirstFragmentMarksNothing() {
        byte[] whole = ipv4Packet(17, CLIENT, SERVER, 0x1234, 0x4000, new byte[0], udp(40000, 9000, new byte[24]));
        byte[] first = ipv4Packet(17, CLIENT, SERVER, 0x1234, 0x2000, new byte[0], udp(40000, 9000, new byte[24]));
        byte[] second = ipv4Packet(17, CLIENT, SERVER, 0x1234, 32 / 8, new byte[0], new byte[16]);
        int flow = resolve(first, 50000, 1);
        resolve(whole, 50000, 2);
        resolver.datagramDropped(inner, 2);

        assertThat(resolve(second, 50000, 3)).isEqualTo(flow);
        assertThat(fragments.droppedDatagrams()).isZero();
    }

    @Test
    void orphanFragmentIsReportedNotTracked() {
        byte[] orphan = ipv4Packet(17, CLIENT, SERVER, 0x4321, 64 / 8, new byte[0], new byte[16]);
        assertThat(resolve(orphan, 50000, 1)).isEqualTo(FlowResolver.FRAGMENT_WITHOUT_FLOW);
        assertThat(table.createdFlows()).isZero();
    }

    @Test
    void icmpErrorJoinsTheFlowItQuotesAndCountsAgainstIt() {
        byte[] request = ipv4Packet(17, CLIENT, SERVER, udp(40000, 9000, new byte[4]));
        int flow = resolve(request, 50000, 1);
        byte[] error = ipv4Packet(1, SERVER, CLIENT, icmp(3, 3, 0, Arrays.copyOf(request, 28)));
        assertThat(resolve(error, 50000, 2)).isEqualTo(flow);
        assertThat(table.createdFlows()).isEqualTo(1);
        FlowKey key = new FlowKey().setIpv4(TestPackets.ENDPOINT_ID, (int) CLIENT, (int) SERVER, 17, 40000, 9000);
        // The error travels against the request: it is counted in the reply direction.
        assertThat(table.packets(flow, key.direction() ^ 1)).isEqualTo(1);
    }

    @Test
    void icmpErrorQuotingAnUnknownFlowBecomesAFlowOfItsOwn() {
        byte[] quoted = ipv4Packet(17, CLIENT, SERVER, udp(41000, 9000, new byte[4]));
        int flow = resolve(ipv4Packet(1, SERVER, CLIENT, icmp(3, 3, 0, Arrays.copyOf(quoted, 28))), 50000, 1);
        assertThat(flow).isNotNegative();
        assertThat(table.createdFlows()).isEqualTo(1);
    }

    @Test
    void midFlowPacketOfAnUnknownFlowStartsIt() {
        // GWLB failover (gwlb.md §3): packets arrive for flows this appliance never saw open.
        byte[] data = ipv4Packet(6, CLIENT, SERVER, TestPackets.tcp(40000, 443, 1000, 2000, 0x18, new byte[10]));
        assertThat(resolve(data, 50000, 1)).isNotNegative();
        assertThat(table.createdFlows()).isEqualTo(1);
    }
}
