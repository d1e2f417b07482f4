/**
 * Ingress: how GWLB's GENEVE datagrams reach a worker. Each worker owns a {@link
 * org.gwlbinspect.appliance.ingress.UdpBatchReceiver}, a nonblocking UDP socket on the GENEVE port (with {@code
 * SO_REUSEPORT}, so the kernel spreads flows over the workers) that reads a whole batch with one {@code recvmmsg} into
 * memory allocated once; the worker's epoll event loop (Netty's) says when to read, and the data plane decodes,
 * inspects and returns each datagram straight from its slot.
 */
package org.gwlbinspect.appliance.ingress;
