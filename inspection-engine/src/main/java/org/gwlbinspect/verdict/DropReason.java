package org.gwlbinspect.verdict;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Why a packet was not returned to GWLB. Holds every {@link DecodeStatus} one to one (same label) plus the reasons of
 * the later stages. The label is the stable value of the Prometheus {@code reason} label: add reasons, never rename.
 *
 * <p>A class rather than an enum so that the decode reasons are derived from {@link DecodeStatus} instead of being
 * listed twice; {@link #ordinal()} is dense, so counters index arrays with it like an enum's.
 */
public final class DropReason {
    private static final List<DropReason> ALL = new ArrayList<>();
    private static final DropReason[] BY_STATUS = new DropReason[DecodeStatus.values().length];

    static {
        for (DecodeStatus status : DecodeStatus.values()) {
            if (status != DecodeStatus.OK) BY_STATUS[status.ordinal()] = new DropReason(status.label());
        }
    }

    /** The outer source address is outside {@code dataPlane.allowedSources}. */
    public static final DropReason SOURCE_NOT_ALLOWED = new DropReason("source_not_allowed");

    /** The outer packet was not IPv4 (GWLB always sends IPv4 outer headers). */
    public static final DropReason OUTER_NOT_IPV4 = new DropReason("outer_not_ipv4");

    /** The datagram filled the whole receive slot, so it may have been truncated by the kernel. */
    public static final DropReason DATAGRAM_TOO_LARGE = new DropReason("datagram_too_large");

    /** A non-first IP fragment arrived with no first fragment seen to tell its flow (no ports to look up). */
    public static final DropReason FRAGMENT_WITHOUT_FLOW = new DropReason("fragment_without_flow");

    /** The flow table could not place the flow even after evicting (probe window exhausted under contention). */
    public static final DropReason FLOW_TABLE_FULL = new DropReason("flow_table_full");

    /** The policy's verdict was drop or reject. */
    public static final DropReason POLICY_DROP = new DropReason("policy_drop");

    /** The kernel refused the reply (sendmmsg error). */
    public static final DropReason SEND_FAILED = new DropReason("send_failed");

    /** An unexpected exception on the data path; the worker counted it and carried on. */
    public static final DropReason INTERNAL_ERROR = new DropReason("internal_error");

    /**
     * Destination binding in {@code enforce} mode dropped the flow: a pass rule allowed its SNI or HTTP host, but its
     * client was not told that name resolves to the flow's destination (docs/destination-binding.md). The packet that
     * failed the check; the flow's later packets are dropped by its flow verdict and counted as {@link #POLICY_DROP}.
     */
    public static final DropReason DESTINATION_BINDING = new DropReason("destination_binding");

    private final int ordinal;
    private final String label;

    private DropReason(String label) {
        this.ordinal = ALL.size();
        this.label = label;
        ALL.add(this);
    }

    /** The drop reason of a failed decode; {@code status} must not be {@link DecodeStatus#OK}. */
    public static DropReason of(DecodeStatus status) {
        DropReason reason = BY_STATUS[status.ordinal()];
        if (reason == null) throw new IllegalArgumentException("a packet that decoded OK has no drop reason");
        return reason;
    }

    /** Every reason, in ordinal order. */
    public static List<DropReason> values() {
        return Collections.unmodifiableList(ALL);
    }

    public static int count() {
        return ALL.size();
    }

    public int ordinal() {
        return ordinal;
    }

    /** The stable Prometheus label value. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
