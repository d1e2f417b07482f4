package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.flow.FlowTableTest.SECOND;
import static org.gwlbinspect.flow.FlowTableTest.T0;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FlowExpiryTest {

    @Test
    void sweepsTheWholeTableOncePerFullPassWithTheInjectedClock() {
        FlowTable table = new FlowTable(FlowTableTest.config(64), FlowEndListener.NONE, 42);
        for (int i = 0; i < 30; i++) table.lookupOrCreate(new FlowKey().setIpv4(1, i, 99, 17, 1, 2), T0);
        AtomicLong clock = new AtomicLong(T0 + 121 * SECOND);
        int slice = FlowExpiry.slotsPerRun(table, Duration.ofMillis(100), Duration.ofSeconds(1));
        FlowExpiry expiry = new FlowExpiry(table, slice, clock::get);

        for (int run = 0; run < 10; run++) expiry.run();

        assertThat(slice).isEqualTo(table.indexSize() / 10 + 1);
        assertThat(expiry.expired()).isEqualTo(30);
        assertThat(table.activeFlows()).isZero();
    }

    @Test
    void aFailingListenerIsCountedAndExpiryGoesOn() {
        FlowTable table = new FlowTable(
                FlowTableTest.config(8),
                (t, slot, reason, now) -> {
                    throw new IllegalStateException("flow log queue broken");
                },
                42);
        table.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, 17, 1, 2), T0);
        table.lookupOrCreate(new FlowKey().setIpv4(1, 3, 4, 17, 1, 2), T0);
        FlowExpiry expiry = new FlowExpiry(table, table.indexSize(), () -> T0 + 121 * SECOND);

        expiry.run();
        expiry.run();

        assertThat(expiry.failedRuns()).isEqualTo(2);
        assertThat(table.expiredFlows()).isEqualTo(2);
        assertThat(table.activeFlows()).isZero();
        assertThat(table.lookupOrCreate(new FlowKey().setIpv4(1, 5, 6, 17, 1, 2), T0))
                .isNotNegative();
    }
}
