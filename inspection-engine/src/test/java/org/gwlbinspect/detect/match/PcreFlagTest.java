package org.gwlbinspect.detect.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PcreFlagTest {

    @Test
    void parsesSuricataModifierLetters() {
        assertThat(PcreFlag.parse("smix"))
                .containsExactlyInAnyOrder(PcreFlag.CASELESS, PcreFlag.DOTALL, PcreFlag.MULTILINE, PcreFlag.EXTENDED);
        assertThat(PcreFlag.parse("")).isEmpty();
    }

    @Test
    void rejectsModifierTheRuleParserShouldHaveTakenOut() {
        assertThatThrownBy(() -> PcreFlag.parse("iR"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'R'");
    }
}
