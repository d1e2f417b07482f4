package org.gwlbinspect.detect;

import java.math.BigInteger;
import java.util.List;

/** A compiled port group from a rule header (policy.md §3.1), matched by binary search without allocating. */
public final class PortMatcher {
    static final BigInteger MAX = BigInteger.valueOf(65535);

    private final boolean any;
    private final int[] start;
    private final int[] end;
    private final String text;

    PortMatcher(Ranges ports, String text) {
        this.any = ports.isAll();
        this.text = text;
        List<BigInteger[]> r = ports.ranges();
        start = new int[r.size()];
        end = new int[r.size()];
        for (int i = 0; i < r.size(); i++) {
            start[i] = r.get(i)[0].intValue();
            end[i] = r.get(i)[1].intValue();
        }
    }

    /** Matches every port. */
    public static PortMatcher any() {
        return new PortMatcher(Ranges.all(MAX), "any");
    }

    /** Whether the port (0–65535) is in the group. */
    public boolean matches(int port) {
        if (any) return true;
        int low = 0;
        int high = start.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (port < start[mid]) high = mid - 1;
            else if (port > end[mid]) low = mid + 1;
            else return true;
        }
        return false;
    }

    public boolean isAny() {
        return any;
    }

    /** The group as written in the rule. */
    @Override
    public String toString() {
        return text;
    }
}
