package org.gwlbinspect.detect.engine;

import java.util.List;
import org.gwlbinspect.detect.AddressMatcher;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.Direction;
import org.gwlbinspect.detect.Signature;

/**
 * The rules no prefilter pattern selects (IP-only rules, flow- or protocol-only rules, pcre-only rules) narrowed to
 * those whose header addresses can match the packet, as Suricata's IP-only engine narrows its rules with a radix tree
 * of their CIDRs. Without it, every one of them was tried on every packet where it could apply: the 500 IP-only rules
 * of a 10 000-rule set on the first packet of each direction of every flow (docs/performance.md).
 *
 * <p>A rule must have the packet's source in its source group and its destination in its destination group (or, for
 * {@code <>}, the other way round). Each rule is indexed by the one side whose group covers fewer addresses (the more
 * selective one): by its source group in {@link #bySource} (looked up with the packet's source), or by its destination
 * group in {@link #byDestination}. A {@code <>} rule is indexed the other way round too (its source group looked up
 * with the packet's destination, or the reverse). A rule with {@code any} on both sides is always a candidate. The
 * evaluator still checks the whole header, so the candidates are a superset of the rules that can match and the outcome
 * is the same as trying them all; they are walked in rule order, so no other rule can win.
 */
final class AddressCandidates {
    private static final double V4_SPACE = 0x1p32;
    private static final double V6_SPACE = 0x1p128;

    /** Rules with {@code any} on both sides ({@link CandidateRules#sparse}). */
    private final long[] unindexed;
    /** Rules by the group the packet's source must be in. */
    private final AddressIndex bySource;
    /** Rules by the group the packet's destination must be in. */
    private final AddressIndex byDestination;

    private final int indexedRules;

    /** Narrows the rules {@code r} with {@code member[r]}. */
    AddressCandidates(List<CompiledPolicy.CompiledRule> rules, boolean[] member) {
        boolean[] always = new boolean[member.length];
        AddressIndex.Builder sources = new AddressIndex.Builder();
        AddressIndex.Builder destinations = new AddressIndex.Builder();
        int indexed = 0;
        for (int r = 0; r < member.length; r++) {
            if (!member[r]) continue;
            Signature sig = rules.get(r).signature();
            AddressMatcher source = sig.source();
            AddressMatcher destination = sig.destination();
            if (source.isAny() && destination.isAny()) {
                always[r] = true;
                continue;
            }
            indexed++;
            boolean bothWays = sig.direction() == Direction.BOTH;
            if (coverage(source) <= coverage(destination)) {
                sources.add(r, source);
                if (bothWays) destinations.add(r, source); // backward: the packet's destination is the source side
            } else {
                destinations.add(r, destination);
                if (bothWays) sources.add(r, destination);
            }
        }
        unindexed = CandidateRules.sparse(always);
        bySource = sources.build();
        byDestination = destinations.build();
        indexedRules = indexed;
    }

    /** Adds the rules whose addresses can match the packet's (and those with {@code any} on both sides) to {@code out}. */
    void addTo(PacketContext ctx, CandidateRules out) {
        out.addAll(unindexed);
        bySource.addContaining(ctx.ipVersion, ctx.srcHi, ctx.srcLo, out);
        byDestination.addContaining(ctx.ipVersion, ctx.dstHi, ctx.dstLo, out);
    }

    /** Rules found through the index rather than always added. */
    int indexedRules() {
        return indexedRules;
    }

    /** The share of each version's address space the group covers, summed (0 to 2): smaller is more selective. */
    static double coverage(AddressMatcher group) {
        double[] sum = {0};
        group.visitRanges((version, startHi, startLo, endHi, endLo) -> {
            if (version == 4) {
                sum[0] += (endLo - startLo + 1) / V4_SPACE;
            } else {
                double size =
                        (unsigned(endHi) - unsigned(startHi)) * 0x1p64 + (unsigned(endLo) - unsigned(startLo)) + 1;
                sum[0] += size / V6_SPACE;
            }
        });
        return sum[0];
    }

    private static double unsigned(long value) {
        return (value >>> 1) * 2.0 + (value & 1);
    }
}
