package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RuleLinesTest {

    @Test
    void countsEachRuleOnceSkippingCommentsBlankLinesAndContinuations() {
        String rules = "# header\n\nalert ip any any -> any any (sid:1;)\n"
                + "drop tcp any any -> any 80 (msg:\"x\"; \\\n   sid:2;)\n  # pass ip any any -> any any (sid:3;)\n";

        assertThat(RuleLines.countRules(rules)).isEqualTo(2);
    }

    @Test
    void findsReferenceOnlyAsAWholeName() {
        assertThat(RuleLines.usesReference("alert ip @PARTNERS any -> any any (sid:1;)", "PARTNERS"))
                .isTrue();
        assertThat(RuleLines.usesReference("alert ip @PARTNERS_V6 any -> any any (sid:1;)", "PARTNERS"))
                .isFalse();
    }
}
