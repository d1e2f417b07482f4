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
    void aShortSleepStartsAWindowWhenWhatWokeItHasBeenHandled() throws Exception {
        assertThat(decide()).as("the loop's start counts as activity").isEqualTo(SelectStrategy.CONTINUE);
        now += WINDOW;
        assertThat(decide()).isEqualTo(SelectStrategy.SELECT);
        now += 30_000; // asleep 30 µs (shorter than the window: polling would have caught it); woken and handled
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        assertThat(strategy.windowNanos()).as("already at its maximum").isEqualTo(WINDOW);
        now += WINDOW;
        assertThat(decide()).isEqualTo(SelectStrategy.SELECT);
        assertThat(strategy.sleeps()).isEqualTo(2);
        assertThat(strategy.polledBatches()).isZero();
    }

    /** Sleeps until the current window ends, then for {@code sleptNanos}; returns the decision after waking. */
    private int pollOutTheWindowThenSleep(long sleptNanos) throws Exception {
        int decision;
        while ((decision = decide()) == SelectStrategy.CONTINUE) now += 1_000;
        assertThat(decision).isEqualTo(SelectStrategy.SELECT);
        now += sleptNanos;
        return decide();
    }

    @Test
    void longSleepsHalveTheWindowUntilPollingStops() throws Exception {
        long idle = 100_000_000; // the heartbeat's 100 ms
        assertThat(pollOutTheWindowThenSleep(idle)).isEqualTo(SelectStrategy.CONTINUE);
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW / 2);
        pollOutTheWindowThenSleep(idle);
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW / 4);
        pollOutTheWindowThenSleep(idle);
        assertThat(strategy.windowNanos()).as("an eighth: the smallest window").isEqualTo(WINDOW / 8);
        int afterLastWindow = pollOutTheWindowThenSleep(idle);
        assertThat(strategy.windowNanos()).as("below an eighth: off").isZero();
        assertThat(afterLastWindow).as("off: sleeps at once").isEqualTo(SelectStrategy.SELECT);
        int polls = this.polls;
        now += idle;
        assertThat(decide()).isEqualTo(SelectStrategy.SELECT);
        assertThat(this.polls)
                .as("off: no non-blocking poll before sleeping, as Netty's default")
                .isEqualTo(polls);
    }

    @Test
    void sleepsShorterThanTheWindowGrowItBackToTheConfiguredOne() throws Exception {
        long idle = 100_000_000;
        for (int i = 0; i < 4; i++) pollOutTheWindowThenSleep(idle);
        assertThat(strategy.windowNanos()).isZero();
        now += 20_000; // woken 20 µs after it went to sleep: a window would have caught it
        assertThat(decide()).as("an eighth of the window to start with").isEqualTo(SelectStrategy.CONTINUE);
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW / 8);
        pollOutTheWindowThenSleep(20_000);
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW / 4);
        pollOutTheWindowThenSleep(20_000);
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW / 2);
        pollOutTheWindowThenSleep(WINDOW); // a sleep as long as the window still counts as short
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW);
        pollOutTheWindowThenSleep(20_000);
        assertThat(strategy.windowNanos())
                .as("never above the configured window")
                .isEqualTo(WINDOW);
    }

    @Test
    void theSleepEndsAtTheFirstReadNotAfterTheBatchWasHandled() throws Exception {
        pollOutTheWindowThenSleep(100_000_000);
        assertThat(strategy.windowNanos()).isEqualTo(WINDOW / 2);
        int decision;
        while ((decision = decide()) == SelectStrategy.CONTINUE) now += 1_000;
        assertThat(decision).isEqualTo(SelectStrategy.SELECT);
        now += 30_000; // a packet 30 µs later wakes the worker
        strategy.readStarted(now);
        now += 5_000;
        strategy.readStarted(now); // a second read in the same wake-up does not move the end of the sleep
        now += 400_000; // handling the batch took 400 µs (preempted): not part of the sleep
        assertThat(decide()).isEqualTo(SelectStrategy.CONTINUE);
        assertThat(strategy.windowNanos()).as("a 30 µs sleep: doubled").isEqualTo(WINDOW);
        // a read while polling (no sleep before it) changes nothing
        strategy.readStarted(now);
        pollOutTheWindowThenSleep(100_000_000);
        assertThat(strategy.windowNanos())
                .as("timer wake-up, no read: measured to the call")
                .isEqualTo(WINDOW / 2);
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
