package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdleBackoffTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void doublesFromOneMillisecondToEightWhileIdleAndStartsOverAfterActivity() {
        IdleBackoff backoff = new IdleBackoff();
        List<Long> parks = new ArrayList<>();
        for (int i = 0; i < 6; i++) parks.add(backoff.idleParkNanos());
        assertThat(parks).containsExactly(MS, 2 * MS, 4 * MS, 8 * MS, 8 * MS, 8 * MS);

        backoff.active();
        assertThat(backoff.idleParkNanos()).isEqualTo(MS);
        assertThat(backoff.idleParkNanos()).isEqualTo(2 * MS);
    }
}
