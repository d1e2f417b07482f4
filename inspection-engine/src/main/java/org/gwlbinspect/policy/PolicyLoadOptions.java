package org.gwlbinspect.policy;

import java.util.List;
import java.util.Map;

/**
 * Settings from the appliance configuration that loading a policy needs.
 *
 * @param homeNet the {@code HOME_NET} used when the policy does not set {@code PolicyVariables.RuleVariables.HOME_NET}
 *     (config key {@code policy.homeNet})
 * @param ipSetReferences CIDRs for {@code IPSetReferences} ARNs (prefix lists, resource groups), which cannot be
 *     resolved without AWS; keyed by {@code ReferenceArn}
 */
public record PolicyLoadOptions(List<String> homeNet, Map<String, List<String>> ipSetReferences) {

    /**
     * The default {@code HOME_NET}: every private and shared address range. NFW defaults to the inspection VPC's CIDR,
     * which this appliance does not know; behind a Gateway Load Balancer the protected networks are the spoke VPCs,
     * and a too-narrow {@code HOME_NET} silently disables every {@code $HOME_NET}-scoped rule, including all domain
     * lists (policy.md §5). So the default covers all addresses a VPC can use: RFC 1918 ({@code 10/8},
     * {@code 172.16/12}, {@code 192.168/16}), RFC 6598 shared space ({@code 100.64/10}, which VPCs may also use) and
     * IPv6 unique local addresses ({@code fc00::/7}, RFC 4193). Set {@code policy.homeNet} to narrow it.
     */
    public static final List<String> DEFAULT_HOME_NET =
            List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7");

    public PolicyLoadOptions {
        if (homeNet.isEmpty()) throw new IllegalArgumentException("policy.homeNet needs at least one CIDR");
        for (String cidr : homeNet) checkCidr("policy.homeNet", cidr);
        ipSetReferences.forEach((arn, cidrs) -> cidrs.forEach(cidr -> checkCidr("IP set reference " + arn, cidr)));
        homeNet = List.copyOf(homeNet);
        ipSetReferences = Map.copyOf(ipSetReferences);
    }

    private static void checkCidr(String key, String cidr) {
        try {
            IpPrefix.parse(cidr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": invalid CIDR '" + cidr + "': " + e.getMessage(), e);
        }
    }

    /** {@link #DEFAULT_HOME_NET} and no IP set reference resolutions. */
    public static PolicyLoadOptions defaults() {
        return new PolicyLoadOptions(DEFAULT_HOME_NET, Map.of());
    }
}
