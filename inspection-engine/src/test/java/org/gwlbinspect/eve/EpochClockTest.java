package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class EpochClockTest {

    @Test
    void convertsNanoTimeReadingsThroughTheCapturedOffset() {
        long start = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse("2025-08-12T13:05:03.931841Z"));
        EpochClock clock = new EpochClock(start, 5_000_000_000_000L);
        assertThat(clock.epochMicros(5_000_000_000_000L)).isEqualTo(start);
        assertThat(clock.epochMicros(5_000_010_479_000L)).isEqualTo(start + 10_479);
        assertThat(clock.epochMicros(5_000_000_000_999L)).isEqualTo(start); // truncated to the microsecond
        assertThat(clock.epochMicros(4_999_999_999_999L)).isEqualTo(start - 1); // floor, not towards zero
    }

    @Test
    void worksWithNegativeAndHugeNanoTimeOrigins() {
        long start = 1_755_003_903_931_841L;
        EpochClock negative = new EpochClock(start, Long.MIN_VALUE + 10);
        assertThat(negative.epochMicros(Long.MIN_VALUE + 10 + 2_000)).isEqualTo(start + 2);
        EpochClock huge = new EpochClock(start, Long.MAX_VALUE - 5_000);
        assertThat(huge.epochMicros(Long.MAX_VALUE - 1_000)).isEqualTo(start + 4);
    }

    @Test
    void systemClockAgreesWithTheWallClock() {
        EpochClock clock = EpochClock.system();
        long wall = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        assertThat(clock.epochMicros(System.nanoTime())).isBetween(wall - 50_000, wall + 50_000);
    }
}
