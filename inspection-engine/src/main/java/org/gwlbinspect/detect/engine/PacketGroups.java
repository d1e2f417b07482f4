package org.gwlbinspect.detect.engine;

import org.gwlbinspect.detect.FlowCondition;
import org.gwlbinspect.detect.Signature;

/**
 * The 16 groups of packets that a rule's first checks tell apart: transport (TCP, UDP, ICMP or ICMPv6, any other) ×
 * direction (to the server or not) × flow established or not. A rule's {@link #mask} holds the groups whose packets
 * pass its protocol and {@code flow} direction and state checks, the checks {@link RuleEvaluator} makes before it looks
 * at a buffer; a rule outside the packet's group cannot match it. So a Hyperscan scan whose patterns only serve rules
 * outside the packet's group can be skipped without changing any outcome, as Suricata builds a signature group per
 * protocol and direction and scans only the patterns of the packet's group ({@code detect-engine-build.c}).
 */
final class PacketGroups {
    /** Every group. */
    static final int ALL = 0xFFFF;

    private static final int TCP = 0;
    private static final int UDP = 1;
    private static final int ICMP = 2;
    private static final int OTHER = 3;
    /** A protocol number of each transport class, as {@link org.gwlbinspect.detect.RuleProtocol} tells them apart. */
    private static final int[] REPRESENTATIVE = {6, 17, 1, 47};

    private PacketGroups() {}

    /** The packet's group, 0 to 15. */
    static int of(PacketContext ctx) {
        int transport =
                switch (ctx.ipProtocol) {
                    case 6 -> TCP;
                    case 17 -> UDP;
                    case 1, 58 -> ICMP;
                    default -> OTHER;
                };
        return group(transport, ctx.toServer, ctx.established);
    }

    /** The groups whose packets pass the rule's protocol, flow direction and flow state checks. */
    static int mask(Signature sig) {
        FlowCondition flow = sig.flow();
        int mask = 0;
        for (int transport = TCP; transport <= OTHER; transport++) {
            if (!sig.protocol().matchesIpProtocol(REPRESENTATIVE[transport])) continue;
            for (int toServer = 0; toServer < 2; toServer++) {
                boolean server = toServer == 1;
                if (flow.direction() == FlowCondition.FlowDirection.TO_SERVER && !server) continue;
                if (flow.direction() == FlowCondition.FlowDirection.TO_CLIENT && server) continue;
                for (int established = 0; established < 2; established++) {
                    boolean est = established == 1;
                    if (flow.state() == FlowCondition.FlowState.ESTABLISHED && !est) continue;
                    if (flow.state() == FlowCondition.FlowState.NOT_ESTABLISHED && est) continue;
                    mask |= 1 << group(transport, server, est);
                }
            }
        }
        return mask;
    }

    /** Whether {@code mask} holds a group of TCP packets in the given direction, established or not. */
    static boolean holdsTcp(int mask, boolean toServer) {
        return (mask & (1 << group(TCP, toServer, false) | 1 << group(TCP, toServer, true))) != 0;
    }

    private static int group(int transport, boolean toServer, boolean established) {
        return transport << 2 | (toServer ? 2 : 0) | (established ? 1 : 0);
    }
}
