package org.gwlbinspect.appliance.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.gwlbinspect.appliance.egress.Libc;

/**
 * Runs code inside a named network namespace ({@code /run/netns/NAME}, as {@code ip netns add} mounts it) from a JVM
 * that lives outside it: {@code setns(2)} moves only the calling thread, so each task gets a fresh platform thread that
 * enters the namespace first. Sockets and tun devices it opens belong to that namespace for good and keep working from
 * any thread afterwards; threads it starts inherit the namespace.
 */
final class NamespaceThreads {
    static final String NETNS_DIRECTORY = "/run/netns/";

    private NamespaceThreads() {}

    /** Moves the calling thread into the namespace {@code name}. */
    static void enter(String name) throws SimulatorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Libc.CALL_STATE);
            String path = NETNS_DIRECTORY + name;
            int fd = (int)
                    SimLibc.OPEN.invokeExact(state, arena.allocateFrom(path), SimLibc.O_RDONLY | SimLibc.O_CLOEXEC, 0);
            if (fd < 0) throw SimulatorException.errno("open " + path, Libc.errno(state));
            try {
                if ((int) SimLibc.SETNS.invokeExact(state, fd, SimLibc.CLONE_NEWNET) < 0) {
                    throw SimulatorException.errno("setns " + path, Libc.errno(state));
                }
            } finally {
                int ignored = (int) Libc.CLOSE.invokeExact(state, fd);
            }
        } catch (SimulatorException e) {
            throw e;
        } catch (Throwable t) {
            throw new SimulatorException("entering network namespace " + name + " failed", t);
        }
    }

    /** Calls {@code task} on a new thread inside namespace {@code name} and returns its result. */
    static <T> T call(String name, Callable<T> task) throws SimulatorException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("netns-" + name).unstarted(() -> {
            try {
                enter(name);
                result.set(task.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SimulatorException("interrupted while working in namespace " + name, e);
        }
        Throwable t = failure.get();
        if (t instanceof SimulatorException s) throw s;
        if (t != null) throw new SimulatorException("task in network namespace " + name + " failed: " + t, t);
        return result.get();
    }

    /** Starts {@code body} on a new daemon platform thread that first enters namespace {@code name}. */
    static Thread start(
            String name, String threadName, ThrowingRunnable body, Thread.UncaughtExceptionHandler onFailure) {
        Thread thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(() -> {
            try {
                enter(name);
                body.run();
            } catch (Throwable t) {
                onFailure.uncaughtException(Thread.currentThread(), t);
            }
        });
        thread.start();
        return thread;
    }

    /** A task that may throw. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
