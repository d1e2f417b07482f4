package org.gwlbinspect.appliance.sim;

import java.util.Locale;

/**
 * One simulated GWLB endpoint (a VPC endpoint in a consumer VPC): the IDs GWLB puts in the GENEVE options of its
 * traffic (gwlb.md §1.3). Each endpoint has its own client, endpoint and server namespaces, so two endpoints may use the
 * same client addresses (overlapping CIDRs, gwlb.md §3).
 *
 * @param index 1-based, as in the namespace names ({@code <prefix>-c1})
 */
public record SimEndpoint(int index, long endpointId, long attachmentId) {
    public SimEndpoint {
        if (index < 1 || index > Topology.MAX_ENDPOINTS) {
            throw new IllegalArgumentException(
                    "endpoint index must be 1.." + Topology.MAX_ENDPOINTS + ", got " + index);
        }
    }

    /** Endpoint {@code index} with its default IDs: vpce-0000000000000000{index}-like numbers, attachment 0. */
    public static SimEndpoint withDefaultIds(int index) {
        return new SimEndpoint(index, 0x0abcdef0_12345670L + index, 0);
    }

    /** The endpoint ID as AWS prints it: {@code vpce-} and 17 hex digits. */
    public String vpceName() {
        return "vpce-" + String.format(Locale.ROOT, "%017x", endpointId);
    }
}
