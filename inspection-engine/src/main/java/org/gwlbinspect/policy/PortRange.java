package org.gwlbinspect.policy;

/**
 * An inclusive port range of a stateless rule ({@code {FromPort, ToPort}}, policy.md §1.2).
 *
 * @param from first port, 0–65535
 * @param to last port, {@code from}–65535
 */
public record PortRange(int from, int to) {
    public PortRange {
        if (from < 0 || to > 65535 || from > to)
            throw new IllegalArgumentException("port range " + from + ":" + to + " is not within 0–65535 in order");
    }

    /** Whether {@code port} is in the range. */
    public boolean contains(int port) {
        return port >= from && port <= to;
    }
}
