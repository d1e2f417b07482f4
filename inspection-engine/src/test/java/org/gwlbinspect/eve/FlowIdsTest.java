package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlowIdsTest {

    @Test
    void idsArePositiveAndBelowTwoToThe53() {
        for (int slot = 0; slot < 1 << 16; slot += 7) {
            for (int generation : new int[] {0, 1, 2, 1 << 20, (1 << 27) - 1, 1 << 29, Integer.MAX_VALUE}) {
                long id = FlowIds.of(slot, generation);
                assertThat(id).isPositive().isLessThanOrEqualTo(FlowIds.MAX_ID).isLessThan(1L << 53);
            }
        }
    }

    @Test
    void everySlotAndGenerationGetsItsOwnId() {
        Set<Long> ids = new HashSet<>();
        for (int slot = 0; slot < 1 << 14; slot++) {
            for (int generation = 0; generation < 64; generation++) {
                assertThat(ids.add(FlowIds.of(slot, generation)))
                        .as("slot %d generation %d", slot, generation)
                        .isTrue();
            }
        }
        // The largest slots of a full table and high generations too.
        int maxSlot = (1 << 24) - 1;
        for (int generation = (1 << 27) - 64; generation < 1 << 27; generation++) {
            assertThat(ids.add(FlowIds.of(maxSlot, generation))).isTrue();
            assertThat(ids.add(FlowIds.of(maxSlot - 1, generation))).isTrue();
        }
    }

    @Test
    void oneSlotsIdsRepeatOnlyAfterTwoToThe27Generations() {
        assertThat(FlowIds.of(42, 5 + (1 << 27))).isEqualTo(FlowIds.of(42, 5));
        assertThat(FlowIds.of(42, 6)).isNotEqualTo(FlowIds.of(42, 5));
    }

    @Test
    void idsLookLikeSuricatasAndDoNotFollowTheSlotOrder() {
        // Suricata's ids are 51-bit numbers, typically 10^14..2x10^15 (policy.md §4 examples).
        int large = 0;
        for (int slot = 0; slot < 1000; slot++) {
            if (FlowIds.of(slot, 0) >= 100_000_000_000_000L) large++;
        }
        assertThat(large).isGreaterThan(900);
        assertThat(Math.abs(FlowIds.of(1, 0) - FlowIds.of(0, 0))).isGreaterThan(1L << 30);
        assertThat(FlowIds.of(0, 0)).isEqualTo(FlowIds.of(0, 0)); // stable: alert and netflow records agree
    }
}
