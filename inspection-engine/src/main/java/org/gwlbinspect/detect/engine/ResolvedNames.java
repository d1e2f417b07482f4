package org.gwlbinspect.detect.engine;

/**
 * What the clients were told by the DNS answers the appliance saw (destination binding, docs/destination-binding.md),
 * as the {@code resolved.domain} keyword asks it. Addresses as in {@link PacketContext}: IPv4 in the low 32 bits of
 * {@code lo}. Must not allocate or block: it is asked on the data path, from any worker.
 */
public interface ResolvedNames {

    /** Nothing was ever resolved: every question is answered no. */
    ResolvedNames NONE = (endpoint, clientVersion, clientHi, clientLo, version, hi, lo, domain, suffix, now) -> false;

    /**
     * Whether a name matching {@code domain} resolved, in an unexpired answer to this client behind this GWLB endpoint,
     * to the address {@code hi:lo}.
     *
     * @param domain lowercased, without the leading dot of a suffix form
     * @param suffix match {@code domain} and every name under it ({@code .example.com}), else the name exactly
     */
    boolean resolvesTo(
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            int version,
            long hi,
            long lo,
            byte[] domain,
            boolean suffix,
            long nowNanos);
}
