package org.gwlbinspect.eve;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts log write errors and logs them rate-limited: the first one at once, then at most one line per interval
 * saying how many more occurred. Called on the writer thread only, never on the data path.
 */
final class WriteErrorReporter {

    private static final System.Logger LOG = System.getLogger(EveLog.class.getName());

    private final long intervalNanos;
    private final AtomicLong errors = new AtomicLong();
    private long lastLoggedNanos;
    private long suppressed;
    private boolean loggedOnce;

    WriteErrorReporter(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    static WriteErrorReporter everyMinute() {
        return new WriteErrorReporter(TimeUnit.MINUTES.toNanos(1));
    }

    void report(Path path, Exception e) {
        errors.lazySet(errors.get() + 1);
        long now = System.nanoTime();
        if (loggedOnce && now - lastLoggedNanos < intervalNanos) {
            suppressed++;
            return;
        }
        LOG.log(
                System.Logger.Level.WARNING,
                "EVE log write to " + path + " failed (" + suppressed + " more errors not logged since the last"
                        + " message); records are counted as lost until writing works again",
                e);
        loggedOnce = true;
        lastLoggedNanos = now;
        suppressed = 0;
    }

    long errors() {
        return errors.get();
    }
}
