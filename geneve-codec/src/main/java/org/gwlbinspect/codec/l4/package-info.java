/**
 * Flyweights over the first bytes of an upper-layer header: TCP (RFC 9293), UDP (RFC 768), ICMPv4 (RFC 792) and
 * ICMPv6 (RFC 4443). Each {@code wrap()} checks only that the fixed header fits; the IP layer decides whether an L4
 * header is expected at all (non-first fragments carry none). {@link org.gwlbinspect.codec.l4.TcpResetWriter} writes
 * the TCP resets that answer a rejected segment (policy.md §2.7).
 */
package org.gwlbinspect.codec.l4;
