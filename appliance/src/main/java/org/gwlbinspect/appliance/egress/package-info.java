/**
 * Egress: the return path to GWLB (gwlb.md §2). Replies leave through a raw IPv4 socket so that the outer UDP source
 * port can be the one GWLB chose for the flow; one {@link org.gwlbinspect.appliance.egress.RawSocketSender} per worker
 * thread writes a 28-byte outer IPv4+UDP header in native memory and points a second iovec at the received payload, so
 * the GENEVE header and inner packet are never copied, and sends a whole batch with one {@code sendmmsg}. It never
 * blocks: a batch that finds the socket's send buffer full is dropped after a few retries and counted. The TCP resets
 * answering a REJECT are the one thing egress writes itself: {@link org.gwlbinspect.appliance.egress.RejectReplies}
 * builds them behind the flow's GENEVE header in its own buffer and queues them on the same sender.
 */
package org.gwlbinspect.appliance.egress;
