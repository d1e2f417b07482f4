package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentilesAreWithinTwoPercentOfTheValuesRecorded() {
        LatencyHistogram h = new LatencyHistogram();
        for (long us = 1; us <= 1000; us++) h.record(us * 1000);

        assertThat(h.count()).isEqualTo(1000);
        assertThat(h.max()).isEqualTo(1_000_000);
        assertThat((double) h.valueAt(0.5)).isCloseTo(500_000, within(10_000.0));
        assertThat((double) h.valueAt(0.99)).isCloseTo(990_000, within(19_800.0));
        assertThat((double) h.valueAt(0.999)).isCloseTo(999_000, within(19_980.0));
        assertThat(h.valueAt(1.0)).isEqualTo(1_000_000); // never above the maximum
    }

    @Test
    void smallValuesAreExactAndAnEmptyHistogramSaysZero() {
        LatencyHistogram h = new LatencyHistogram();
        assertThat(h.valueAt(0.5)).isZero();
        h.record(3);
        h.record(5);
        h.record(-7); // a clock that went back counts as 0
        assertThat(h.valueAt(0.34)).isEqualTo(3);
        assertThat(h.valueAt(0.01)).isZero();
        assertThat(h.valueAt(1.0)).isEqualTo(5);
    }

    @Test
    void valuesBeyondTheLastBucketCountThere() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(Long.MAX_VALUE);
        assertThat(h.count()).isEqualTo(1);
        assertThat(h.valueAt(0.5)).isEqualTo(Long.MAX_VALUE);
    }
}
