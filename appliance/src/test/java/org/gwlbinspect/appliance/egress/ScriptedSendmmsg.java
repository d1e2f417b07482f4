package org.gwlbinspect.appliance.egress;

import static org.gwlbinspect.appliance.egress.SocketLayouts.MMSGHDR;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_LEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code sendmmsg(2)} that plays back scripted results, for the outcomes the kernel produces rarely or not on
 * demand: a result {@code n > 0} "sends" the first n messages (writing their {@code msg_len} as the kernel does), a
 * result {@code -errno} fails. Records the vector length and flags of every call.
 */
final class ScriptedSendmmsg implements RawSocketSender.SendmmsgCall {

    /** The {@code msg_len} written for every message "sent". */
    static final int MESSAGE_LENGTH = 100;

    private final int[] results;
    private final List<Integer> counts = new ArrayList<>();
    private final List<Integer> flags = new ArrayList<>();

    ScriptedSendmmsg(int... results) {
        this.results = results;
    }

    @Override
    public int sendmmsg(MemorySegment messages, int count, int flags) {
        if (this.counts.size() == results.length) {
            throw new AssertionError("sendmmsg called more often than the " + results.length + " scripted results");
        }
        int result = results[this.counts.size()];
        this.counts.add(count);
        this.flags.add(flags);
        for (int k = 0; k < Math.min(result, count); k++) {
            messages.set(ValueLayout.JAVA_INT, k * MMSGHDR.byteSize() + MSG_LEN, MESSAGE_LENGTH);
        }
        return Math.min(result, count);
    }

    /** The {@code vlen} of each call so far, in order. */
    List<Integer> counts() {
        return counts;
    }

    /** The {@code flags} of each call so far, in order. */
    List<Integer> flags() {
        return flags;
    }
}
