package org.gwlbinspect.appliance.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import org.junit.jupiter.api.Test;

/** The busy-poll decisions, step by step on a fake clock and a scripted non-blocking poll. */
class BusyPollSelectStrategyTest {
    private static final long WINDOW = 50_000; // 50 µs

    private long now = 1_000_000;
    private int readyOnNextPoll;
    private int polls;
    private final IntSupplier selectNow = () -> {
        polls++;
        int ready = readyOnNextPoll;
        readyOnNextPoll = 0;
        return ready;
    };
    private final BusyPollSelectStrategy strategy = new BusyPollSelectStrategy(WINDOW, () -> now);

    private int decide() throws Exception {
        return strategy.calculateStrategy(selectNow, false);
    }

    @Test
    void pollsAgainWithinTheWindowAfterABatchThenSleeps() throws Exception {
        readyOnNextPoll = 3;
        assertThat(decide()).as("events found by the poll are handed over").isEqualTo(3);
        now += 10_000; // the loop handled the batch
        assertThat(decide()).as("window starts now").isEqualTo(SelectStrategy.CONTINUE);
        now += WINDOW - 1;
        assertThat(decide()).as("1 ns before the window ends").isEqualTo(SelectStrategy.CONTINUE);
        now += 1;
        assertThat(decide()).as("window over, nothing read").isEqualTo(SelectStrategy.SELECT);
        assertThat(strategy.polledBatches()).isEqualTo(1);
        assertThat(strategy.sleeps()).isEqualTo(1);
        assertThat(polls).as("one non-blocking poll per decision").isEqualTo(4);
    }

    @Test
    void aPacketFoundWhilePollingStartsANewWindow() throws Exception {
        readyOnNextPoll = 1;
        decide();
        now += 1_000;
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        now += 40_000;
        readyOnNextPoll = 2;
        assertThat(decide()).as("caught by polling, no sleep").isEqualTo(2);
        now += 5_000; // handled
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        now += WINDOW - 1; // 91 µs after the first window began: still inside the second one
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        now += 1;
        assertThat(decide()).isEqualTo(SelectStrategy.SELECT);
        assertThat(strategy.polledBatches()).isEqualTo(2);
        assertThat(strategy.sleeps()).isEqualTo(1);
    }

    @Test
    void aWakeUpFromSleepStartsAWindowWhenItsBatchHasBeenHandled() throws Exception {
        assertThat(decide()).as("the loop's start counts as activity").isEqualTo(SelectStrategy.CONTINUE);
        now += WINDOW;
        assertThat(decide()).isEqualTo(SelectStrategy.SELECT);
        now += 7_000_000; // asleep 7 ms; then woken, and the loop handled what woke it
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        now += WINDOW;
        assertThat(decide()).isEqualTo(SelectStrategy.SELECT);
        assertThat(strategy.sleeps()).isEqualTo(2);
        assertThat(strategy.polledBatches()).isZero();
    }

    @Test
    void pendingTasksRunAtOnceWithoutSleeping() throws Exception {
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        now += 10 * WINDOW;
        assertThat(strategy.calculateStrategy(selectNow, true))
                .as("tasks pending, nothing ready: run them (0 events), never block")
                .isZero();
        assertThat(strategy.sleeps()).isZero();
        readyOnNextPoll = 4;
        assertThat(strategy.calculateStrategy(selectNow, true)).isEqualTo(4);
        now += 1_000;
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
    }

    @Test
    void neverAnswersBusyWait() throws Exception {
        // Netty's native busy wait spins until an event arrives, without bound: a window could never end.
        for (int i = 0; i < 1_000; i++) {
            readyOnNextPoll = i % 7 == 0 ? 1 : 0;
            now += 3_000 + (i % 11) * 2_000;
            assertThat(decide()).isNotEqualTo(SelectStrategy.BUSY_WAIT);
        }
    }

    @Test
    void rejectsAWindowThatIsNotPositive() {
        assertThatThrownBy(() -> new BusyPollSelectStrategy(0, () -> now))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("busy-poll window must be > 0 ns, got 0");
    }
}
