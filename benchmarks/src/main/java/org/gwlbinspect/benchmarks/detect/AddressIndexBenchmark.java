package org.gwlbinspect.benchmarks.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.AddressMatcher;
import org.gwlbinspect.detect.SuricataRuleParser;
import org.gwlbinspect.detect.engine.AddressIndex;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.RuleVariables;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The address index of the rules without a prefilter pattern ({@code detect.engine.AddressIndex}), per looked-up
 * address, for N = 10, 1 000 and 10 000 groups: {@code index} asks the index which groups contain the address;
 * {@code everyGroup} asks every group's {@link AddressMatcher} in turn, as the evaluator did before the index (the
 * baseline of the same run). Both return how many groups contain it.
 *
 * <p>Groups are written as the IP-only rules of the benchmark policies and of real IPS sets write them: hosts
 * (198.51.x.y, half of them), /24 blocks in 10/8, IPv6 /64s and, one in 50, {@code $HOME_NET}-like blocks. Addresses
 * cycle through 1 024, IPv4 and IPv6, a quarter of them inside some group.
 *
 * <p>{@code hostsIndexOutside}: the lookup each new flow's first packets make under the mixed benchmark policy, whose
 * IP-only rules are hosts in 198.51.0.0/16: an index of only the hosts above asked about the benchmark clients and
 * servers (198.18.0.0/15, 203.0.113.0/24), outside every group.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AddressIndexBenchmark {
    private static final int ADDRESSES = 1024;

    @Param({"10", "1000", "10000"})
    public int groups;

    private AddressMatcher[] matchers;
    private AddressIndex index;
    private AddressIndex hostsIndex;
    private final long[] outside = new long[ADDRESSES];
    private int[] found;
    private final int[] versions = new int[ADDRESSES];
    private final long[] his = new long[ADDRESSES];
    private final long[] los = new long[ADDRESSES];
    private int next;

    @Setup
    public void setUp() throws Exception {
        Random random = new Random(6);
        SuricataRuleParser parser = new SuricataRuleParser(RuleVariables.none(), RuleOrder.DEFAULT_ACTION_ORDER);
        StringBuilder rules = new StringBuilder();
        List<long[]> inside = new ArrayList<>();
        for (int i = 0; i < groups; i++) {
            String group;
            int kind = i % 50 == 49 ? 3 : random.nextInt(4) == 0 ? random.nextInt(3) : 0;
            switch (kind) {
                case 0 -> {
                    group = "198.51." + (i / 256 % 256) + "." + (i % 256);
                    inside.add(new long[] {4, 0, 0xC633_0000L | (i & 0xFFFF)});
                }
                case 1 -> {
                    int block = random.nextInt(1 << 16);
                    group = "10." + (block >>> 8) + "." + (block & 255) + ".0/24";
                    inside.add(new long[] {4, 0, 0x0A00_0000L | (long) block << 8 | random.nextInt(256)});
                }
                case 2 -> {
                    int block = random.nextInt(1 << 16);
                    group = "2001:db8:" + Integer.toHexString(block) + "::/64";
                    inside.add(new long[] {6, 0x2001_0db8_0000_0000L | (long) block << 16, random.nextLong()});
                }
                default -> group = "[172.16.0.0/12, 192.168.0.0/16, fc00::/7]";
            }
            rules.append("alert ip ")
                    .append(group)
                    .append(" any -> any any (sid:")
                    .append(i + 1)
                    .append(";)\n");
        }
        matchers = parser.parse(rules.toString(), "bench.rules", "$").stream()
                .map(s -> s.source())
                .toArray(AddressMatcher[]::new);
        AddressIndex.Builder builder = new AddressIndex.Builder();
        AddressIndex.Builder hosts = new AddressIndex.Builder();
        for (int i = 0; i < matchers.length; i++) {
            builder.add(i, matchers[i]);
            if (hostOf(matchers[i])) hosts.add(i, matchers[i]);
        }
        index = builder.build();
        hostsIndex = hosts.build();
        for (int k = 0; k < ADDRESSES; k++)
            outside[k] = k % 2 == 0 ? 0xC612_0000L | random.nextInt(1 << 17) : 0xCB00_7100L | random.nextInt(256);
        found = new int[index.idLimit()];
        for (int k = 0; k < ADDRESSES; k++) {
            long[] address;
            if (k % 4 == 0 && !inside.isEmpty()) address = inside.get(random.nextInt(inside.size()));
            else if (k % 4 == 1) address = new long[] {6, 0x2001_0db8_0018_0000L, random.nextLong()};
            else address = new long[] {4, 0, 0xC612_0000L | random.nextInt(1 << 17)}; // 198.18.0.0/15
            versions[k] = (int) address[0];
            his[k] = address[1];
            los[k] = address[2];
        }
    }

    @Benchmark
    public int index() {
        int k = next;
        next = (k + 1) & (ADDRESSES - 1);
        return index.containing(versions[k], his[k], los[k], found, 0);
    }

    @Benchmark
    public int hostsIndexOutside() {
        int k = next;
        next = (k + 1) & (ADDRESSES - 1);
        return hostsIndex.containing(4, 0, outside[k], found, 0);
    }

    /** Whether the group is one host of 198.51.0.0/16 (the IP-only rules of the mixed benchmark policy). */
    private static boolean hostOf(AddressMatcher group) {
        long[] ranges = {0};
        boolean[] host = {true};
        group.visitRanges((version, startHi, startLo, endHi, endLo) -> {
            ranges[0]++;
            host[0] &= version == 4 && startLo == endLo && (startLo >>> 16) == 0xC633;
        });
        return ranges[0] == 1 && host[0];
    }

    @Benchmark
    public int everyGroup() {
        int k = next;
        next = (k + 1) & (ADDRESSES - 1);
        int version = versions[k];
        long hi = his[k];
        long lo = los[k];
        int n = 0;
        for (AddressMatcher m : matchers) if (m.matches(version, hi, lo)) n++;
        return n;
    }
}
