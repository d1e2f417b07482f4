package org.gwlbinspect.stateful;

import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.detect.CompiledPolicy;

/**
 * One worker's rule hits under one policy: per rule index, the packets it decided (pass, drop, reject) plus its logged
 * matches if it is an alert rule. Replaced whole when the worker switches policy (counts start again with a new
 * policy), read by the metrics scrape. Single writer.
 */
final class RuleHits {
    final CompiledPolicy policy;
    final AtomicLongArray hits;

    RuleHits(CompiledPolicy policy) {
        this.policy = policy;
        this.hits = new AtomicLongArray(policy.rules().size());
    }

    void hit(int ruleIndex) {
        hits.setRelease(ruleIndex, hits.getPlain(ruleIndex) + 1);
    }
}
