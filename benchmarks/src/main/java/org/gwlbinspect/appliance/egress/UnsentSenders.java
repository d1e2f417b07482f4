package org.gwlbinspect.appliance.egress;

import java.lang.foreign.MemorySegment;

/**
 * Benchmarks only: a {@link RawSocketSender} whose {@code sendmmsg} is replaced, through the package-private seam the
 * egress tests use, by a call that accepts every message and sends nothing. A JMH benchmark can then run the return
 * path's own code (the outer header, the {@code mmsghdr} and iovec stores, the flush loop) at full speed without a
 * packet leaving, and without the syscall, which is measured with the kernel by {@code RawSocketSenderThroughput}.
 *
 * <p>It lives in the egress package, in the benchmarks module, only to reach that seam. The raw socket is still
 * opened (the constructor sizes its send buffer), so it needs root or {@code CAP_NET_RAW} like the appliance.
 */
public final class UnsentSenders {

    private UnsentSenders() {}

    /**
     * A sender of {@code batchSize} messages per flush, TTL {@link HairpinHeaderWriter#DEFAULT_TTL}; its flush counts
     * every message as sent and leaves each {@code msg_len} (which the kernel would set) as it was, so {@link
     * RawSocketSender#sentBytes()} does not grow.
     */
    public static RawSocketSender open(int batchSize) throws NativeCallException {
        return new RawSocketSender(
                batchSize,
                HairpinHeaderWriter.DEFAULT_TTL,
                RawSocketSender.DEFAULT_SEND_BUFFER_BYTES,
                UnsentSenders::acceptAll);
    }

    private static int acceptAll(MemorySegment messages, int count, int flags) {
        return count;
    }
}
