package org.gwlbinspect.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Compares two builds of one JMH benchmark method in one JVM, alternating them block by block and timing each block by
 * the thread's CPU time, not the wall clock:
 *
 * <pre>java -cp benchmarks.jar org.gwlbinspect.benchmarks.InterleavedCpu BEFORE.jar AFTER.jar CLASS METHOD OPS ROUNDS [FIELD=VALUE ...]</pre>
 *
 * Why: on the shared 2-vCPU machine other sessions' builds and benchmarks take the core for seconds at a time, so JMH's
 * wall-clock scores of two runs minutes apart differ by more than most changes. Here each build is loaded from its own
 * jar in its own class loader (its own copy of every class, Netty's included), both {@code @State} objects are set up
 * ({@code setUp()}, {@code @Param} fields from the arguments), then {@code ROUNDS} rounds of {@code OPS} calls of each
 * follow one another, after two warm-up rounds; a round's ratio compares two blocks measured seconds apart. The call
 * goes through reflection, the same overhead for both. Prints the CPU ns per call of each round and the ratio
 * AFTER/BEFORE per round. A relative measure only: no JMH safeguards (dead code, constant folding) beyond what the
 * benchmark method itself does by returning its result.
 */
public final class InterleavedCpu {
    private static final int WARM_UP_ROUNDS = 2;

    private InterleavedCpu() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: InterleavedCpu BEFORE.jar AFTER.jar CLASS METHOD OPS ROUNDS [FIELD=VALUE ...]");
            System.exit(2);
        }
        long ops = Long.parseLong(args[4]);
        int rounds = Integer.parseInt(args[5]);
        String[] params = Arrays.copyOfRange(args, 6, args.length);
        Object[] states = new Object[2];
        Method[] methods = new Method[2];
        for (int i = 0; i < 2; i++) {
            URLClassLoader loader = new URLClassLoader(
                    new URL[] {Path.of(args[i]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            Class<?> type = Class.forName(args[2], true, loader);
            Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            states[i] = constructor.newInstance();
            for (String param : params) set(type, states[i], param);
            type.getMethod("setUp").invoke(states[i]);
            methods[i] = type.getMethod(args[3]);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] nanosPerOp = new double[2][rounds];
        for (int round = -WARM_UP_ROUNDS; round < rounds; round++) {
            for (int i = 0; i < 2; i++) {
                long start = threads.getCurrentThreadCpuTime();
                for (long n = 0; n < ops; n++) methods[i].invoke(states[i]);
                long spent = threads.getCurrentThreadCpuTime() - start;
                if (round >= 0) nanosPerOp[i][round] = (double) spent / ops;
            }
        }
        double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) ratios[round] = nanosPerOp[1][round] / nanosPerOp[0][round];
        for (int i = 0; i < 2; i++) {
            System.out.printf(
                    Locale.ROOT,
                    "%s: median %.1f CPU ns/op, rounds %s%n",
                    args[i],
                    median(nanosPerOp[i]),
                    rounded(nanosPerOp[i]));
        }
        System.out.printf(
                Locale.ROOT,
                "after/before per round: median %.2f, %.2f to %.2f%n",
                median(ratios),
                Arrays.stream(ratios).min().orElseThrow(),
                Arrays.stream(ratios).max().orElseThrow());
    }

    private static void set(Class<?> type, Object state, String param) throws ReflectiveOperationException {
        int eq = param.indexOf('=');
        if (eq < 0) throw new IllegalArgumentException("expected FIELD=VALUE, got " + param);
        Field field = type.getDeclaredField(param.substring(0, eq));
        field.setAccessible(true);
        String value = param.substring(eq + 1);
        if (field.getType() == int.class) field.setInt(state, Integer.parseInt(value));
        else if (field.getType() == long.class) field.setLong(state, Long.parseLong(value));
        else if (field.getType() == boolean.class) field.setBoolean(state, Boolean.parseBoolean(value));
        else field.set(state, value);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String rounded(double[] values) {
        return Arrays.toString(Arrays.stream(values).mapToLong(Math::round).toArray());
    }
}
