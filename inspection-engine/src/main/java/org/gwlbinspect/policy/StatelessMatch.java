package org.gwlbinspect.policy;

import java.util.List;

/**
 * A stateless rule's {@code MatchAttributes} (policy.md §1.2). Every non-empty list must match (any one element of
 * it); an empty list matches anything. Ports only apply to TCP/UDP packets and TCP flags only to TCP packets.
 */
public record StatelessMatch(
        List<IpPrefix> sources,
        List<IpPrefix> destinations,
        List<PortRange> sourcePorts,
        List<PortRange> destinationPorts,
        List<Integer> protocols,
        List<TcpFlagsMatch> tcpFlags) {

    public StatelessMatch {
        sources = List.copyOf(sources);
        destinations = List.copyOf(destinations);
        sourcePorts = List.copyOf(sourcePorts);
        destinationPorts = List.copyOf(destinationPorts);
        protocols = List.copyOf(protocols);
        tcpFlags = List.copyOf(tcpFlags);
    }

    /** Capacity units (policy.md §5): the product of the element counts, an absent setting counting 1. */
    public int capacity() {
        return Math.max(1, sources.size())
                * Math.max(1, destinations.size())
                * Math.max(1, sourcePorts.size())
                * Math.max(1, destinationPorts.size())
                * Math.max(1, protocols.size())
                * Math.max(1, tcpFlags.size());
    }
}
