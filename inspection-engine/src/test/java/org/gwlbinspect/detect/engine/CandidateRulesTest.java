package org.gwlbinspect.detect.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CandidateRulesTest {

    private static List<Integer> walk(CandidateRules set) {
        List<Integer> out = new ArrayList<>();
        for (int i = set.next(0); i >= 0; i = set.next(i + 1)) out.add(i);
        return out;
    }

    private static List<Integer> walk(BitSet set) {
        List<Integer> out = new ArrayList<>();
        for (int i = set.nextSetBit(0); i >= 0; i = set.nextSetBit(i + 1)) out.add(i);
        return out;
    }

    @Test
    void walksTheSameRulesAsABitSetAcrossSummaryWordsAndForgetsThemOnClear() {
        Random random = new Random(7);
        for (int rules : new int[] {1, 63, 64, 65, 4_095, 4_096, 4_097, 10_000, 300_000}) {
            CandidateRules set = new CandidateRules(rules);
            boolean[] fixed = new boolean[rules];
            for (int r = 0; r < rules; r += 1 + random.nextInt(5_000)) fixed[r] = true;
            long[] sparse = CandidateRules.sparse(fixed);
            for (int round = 0; round < 20; round++) {
                set.clear();
                BitSet expected = new BitSet();
                if (round % 2 == 0) {
                    set.addAll(sparse);
                    for (int r = 0; r < rules; r++) if (fixed[r]) expected.set(r);
                }
                int adds = random.nextInt(40);
                for (int k = 0; k < adds; k++) {
                    int r = random.nextInt(rules);
                    set.add(r);
                    expected.set(r);
                }
                if (round == 7) {
                    set.addRange(rules);
                    expected.set(0, rules);
                }
                assertThat(walk(set)).as("%d rules, round %d", rules, round).isEqualTo(walk(expected));
                assertThat(set.next(rules)).isEqualTo(-1);
            }
        }
    }
}
