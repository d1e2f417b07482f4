package org.gwlbinspect.detect;

/**
 * A Suricata 7 unsigned-integer comparison as used by {@code dsize}, {@code ttl}, {@code bsize} and {@code ip_proto}:
 * {@code N}, {@code !N}, {@code <N}, {@code <=N}, {@code >N}, {@code >=N}, or the exclusive range {@code A<>B}
 * (also written {@code A-B}).
 */
public record UintMatch(Operator operator, long value, long upper) {

    /** The comparison. {@link #RANGE} is exclusive at both ends, as Suricata's {@code <>}. */
    public enum Operator {
        EQUAL,
        NOT_EQUAL,
        LESS,
        LESS_OR_EQUAL,
        GREATER,
        GREATER_OR_EQUAL,
        RANGE
    }

    public static UintMatch equal(long value) {
        return new UintMatch(Operator.EQUAL, value, value);
    }

    public boolean matches(long actual) {
        return switch (operator) {
            case EQUAL -> actual == value;
            case NOT_EQUAL -> actual != value;
            case LESS -> actual < value;
            case LESS_OR_EQUAL -> actual <= value;
            case GREATER -> actual > value;
            case GREATER_OR_EQUAL -> actual >= value;
            case RANGE -> actual > value && actual < upper;
        };
    }
}
