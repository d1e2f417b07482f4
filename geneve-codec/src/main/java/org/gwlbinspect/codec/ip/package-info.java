/**
 * The inner IP packet carried by GWLB (RFC 791, RFC 8200). {@link org.gwlbinspect.codec.ip.InnerPacket} is the one
 * flyweight the data path uses: it validates the IP layer, the IPv6 extension chain and the first L4 header, and
 * exposes the flow tuple, fragment state and, for ICMP errors, the quoted packet's tuple.
 */
package org.gwlbinspect.codec.ip;
