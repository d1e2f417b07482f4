package org.gwlbinspect.appliance.config;

/**
 * The validated data-plane settings.
 *
 * @param bindAddress IPv4 address to receive GENEVE on, as an int (0 = all local addresses)
 * @param port UDP port, 6081 behind GWLB
 * @param workers number of event-loop threads, each with its own SO_REUSEPORT socket
 * @param allowedSources outer source addresses allowed to send GENEVE; others are dropped and counted
 * @param maxDatagramBytes size of one receive slot; a datagram that fills it may have been truncated and is dropped
 * @param batchSize datagrams per recvmmsg and replies per sendmmsg
 * @param receiveBufferBytes SO_RCVBUF requested for each socket
 * @param returnTtl TTL of the outer IPv4 header of returned packets
 * @param busyPollMicros how long a worker keeps polling its socket after handling packets before it sleeps in
 *     epoll_wait (0 = sleep at once, Netty's default)
 */
public record DataPlaneConfig(
        int bindAddress,
        int port,
        int workers,
        Ipv4CidrSet allowedSources,
        int maxDatagramBytes,
        int batchSize,
        int receiveBufferBytes,
        int returnTtl,
        int busyPollMicros) {
    /** Longer windows only burn CPU: at 1 ms a sleep and wake-up costs a few percent of the wait it replaces. */
    public static final int MAX_BUSY_POLL_MICROS = 1000;

    public DataPlaneConfig {
        if (port < 1 || port > 65535)
            throw new IllegalArgumentException("dataPlane.port must be 1..65535, got " + port);
        if (workers < 1) throw new IllegalArgumentException("dataPlane.workers must be at least 1, got " + workers);
        if (batchSize < 1 || batchSize > 1024)
            // UIO_MAXIOV caps one sendmmsg/recvmmsg at 1024 messages.
            throw new IllegalArgumentException("dataPlane.batchSize must be 1..1024, got " + batchSize);
        if (maxDatagramBytes < 8568)
            throw new IllegalArgumentException(
                    "dataPlane.maxDatagramBytes must be at least 8568 (8500-byte inner packet + 68 bytes), got "
                            + maxDatagramBytes);
        if (busyPollMicros < 0 || busyPollMicros > MAX_BUSY_POLL_MICROS)
            throw new IllegalArgumentException("dataPlane.busyPollMicros must be 0 (off).." + MAX_BUSY_POLL_MICROS
                    + " microseconds, got " + busyPollMicros);
        if (allowedSources == null) throw new IllegalArgumentException("dataPlane.allowedSources must be set");
    }
}
