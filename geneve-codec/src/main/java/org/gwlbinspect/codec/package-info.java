/**
 * Decoding of what GWLB sends to UDP 6081: a GENEVE header (RFC 8926) with AWS options, then an inner IPv4 or IPv6
 * packet.
 *
 * <p>Contract: decoders are reusable flyweights, one per worker thread, re-pointed at every datagram. They read with
 * absolute getters and never move a buffer's indices, never allocate, and never throw on malformed input: every broken
 * invariant is a {@link org.gwlbinspect.codec.DecodeStatus}. Accessors are valid only after a decode returned
 * {@code OK}.
 */
package org.gwlbinspect.codec;
