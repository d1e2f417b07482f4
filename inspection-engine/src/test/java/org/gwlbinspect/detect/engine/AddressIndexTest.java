package org.gwlbinspect.detect.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.gwlbinspect.detect.AddressMatcher;
import org.gwlbinspect.detect.Signature;
import org.gwlbinspect.detect.SuricataRuleParser;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.RuleVariables;
import org.junit.jupiter.api.Test;

/** {@link AddressIndex} finds exactly the groups an {@link AddressMatcher} says contain the address. */
class AddressIndexTest {
    static final RuleVariables VARIABLES = new RuleVariables(
            Map.of(
                    "HOME_NET", List.of("10.0.0.0/8", "192.168.0.0/16", "2001:db8:18::/48"),
                    "EXTERNAL_NET", List.of("!$HOME_NET")),
            Map.of());

    @Test
    void findsTheGroupsThatContainAnAddressAsTheMatchersDoOnRandomGroupsAndAddresses() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            Random random = new Random(seed);
            RandomGroups groups = new RandomGroups(random);
            List<AddressMatcher> matchers = new ArrayList<>();
            while (matchers.size() < 300) {
                AddressMatcher m = groups.parse(groups.group());
                if (m != null) matchers.add(m);
            }
            AddressIndex.Builder builder = new AddressIndex.Builder();
            for (int id = 0; id < matchers.size(); id++) builder.add(id, matchers.get(id));
            AddressIndex index = builder.build();
            int[] out = new int[index.idLimit()];
            CandidateRules candidates = new CandidateRules(matchers.size());
            int found = 0;
            for (int probe = 0; probe < 20_000; probe++) {
                long[] address = groups.address();
                int version = (int) address[0];
                TreeSet<Integer> expected = new TreeSet<>();
                for (int id = 0; id < matchers.size(); id++)
                    if (matchers.get(id).matches(version, address[1], address[2])) expected.add(id);
                int n = index.containing(version, address[1], address[2], out, 0);
                TreeSet<Integer> actual = new TreeSet<>();
                for (int k = 0; k < n; k++)
                    assertThat(actual.add(out[k]))
                            .as("id %d found once", out[k])
                            .isTrue();
                String where = "seed " + seed + ", IPv" + version + " " + Long.toHexString(address[1]) + ":"
                        + Long.toHexString(address[2]);
                assertThat(actual).as(where).isEqualTo(expected);
                candidates.clear();
                index.addContaining(version, address[1], address[2], candidates);
                TreeSet<Integer> added = new TreeSet<>();
                for (int r = candidates.next(0); r >= 0; r = candidates.next(r + 1)) added.add(r);
                assertThat(added).as(where).isEqualTo(expected);
                found += n;
            }
            // the comparison means something only if groups often contain the probes, and not always
            assertThat(found).as("seed " + seed).isBetween(20_000 * 10, 20_000 * 250);
        }
    }

    @Test
    void findsGroupsThatReachTheFirstAndLastAddressOfEitherVersion() throws Exception {
        RandomGroups groups = new RandomGroups(new Random(0));
        List<AddressMatcher> matchers = List.of(
                groups.parse("any"),
                groups.parse("0.0.0.0/0"),
                groups.parse("[255.255.255.255, 0.0.0.0]"),
                groups.parse("::/0"),
                groups.parse("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ::]"),
                groups.parse("::/64"), // ends where the low 64 bits carry into the high ones
                groups.parse("0:0:0:1::/64")); // starts right after it
        AddressIndex.Builder builder = new AddressIndex.Builder();
        for (int id = 0; id < matchers.size(); id++) builder.add(id, matchers.get(id));
        AddressIndex index = builder.build();
        assertThat(found(index, 4, 0, 0xFFFF_FFFFL)).containsExactly(0, 1, 2);
        assertThat(found(index, 4, 0, 0)).containsExactly(0, 1, 2);
        assertThat(found(index, 4, 0, 0x0A00_0001L)).containsExactly(0, 1);
        assertThat(found(index, 6, -1L, -1L)).containsExactly(0, 3, 4);
        assertThat(found(index, 6, 0, 0)).containsExactly(0, 3, 4, 5);
        assertThat(found(index, 6, 0, 5)).containsExactly(0, 3, 5);
        assertThat(found(index, 6, 0, -1L)).containsExactly(0, 3, 5);
        assertThat(found(index, 6, 1, 0)).containsExactly(0, 3, 6);
        assertThat(found(index, 6, 2, 0)).containsExactly(0, 3);
        assertThat(found(AddressIndex.empty(), 4, 0, 1)).isEmpty();
        assertThat(found(AddressIndex.empty(), 6, 0, 1)).isEmpty();
    }

    @Test
    void answersAtTheEdgesOfTheSpanOfItsRangesAndNothingOutsideIt() throws Exception {
        // Lookups outside the lowest and highest range return at once: the first and last address of the span still
        // find their groups, the addresses next to them nothing, and a version without ranges nothing at all.
        RandomGroups groups = new RandomGroups(new Random(0));
        List<AddressMatcher> matchers = List.of(
                groups.parse("198.51.0.0/24"),
                groups.parse("198.51.3.7"),
                groups.parse("[198.51.0.128/25, 198.51.2.0/23]"),
                groups.parse("2001:db8:1::/64"),
                groups.parse("2001:db8:2::5"));
        AddressIndex.Builder builder = new AddressIndex.Builder();
        for (int id = 0; id < matchers.size(); id++) builder.add(id, matchers.get(id));
        AddressIndex index = builder.build();
        long first4 = 0xC633_0000L; // 198.51.0.0
        assertThat(found(index, 4, 0, first4 - 1)).isEmpty();
        assertThat(found(index, 4, 0, first4)).containsExactly(0);
        assertThat(found(index, 4, 0, first4 + 0x80)).containsExactly(0, 2);
        assertThat(found(index, 4, 0, 0xC633_0307L)).containsExactly(1, 2);
        assertThat(found(index, 4, 0, 0xC633_03FFL)).containsExactly(2);
        assertThat(found(index, 4, 0, 0xC633_0400L)).isEmpty();
        assertThat(found(index, 4, 0, 0xC612_0001L)).isEmpty(); // 198.18.0.1, a client of the benchmarks
        long net1 = 0x2001_0db8_0001_0000L;
        assertThat(found(index, 6, net1 - 1, -1L)).isEmpty();
        assertThat(found(index, 6, net1, 0)).containsExactly(3);
        assertThat(found(index, 6, net1, -1L)).containsExactly(3);
        long net2 = 0x2001_0db8_0002_0000L;
        assertThat(found(index, 6, net1 + 1, 0)).isEmpty(); // between the two groups
        assertThat(found(index, 6, net2, 5)).containsExactly(4);
        assertThat(found(index, 6, net2, 4)).isEmpty();
        assertThat(found(index, 6, net2, 6)).isEmpty();
        // what the matchers say, for the same probes
        assertThat(matchers.get(4).matches(6, net2, 5)).isTrue();
        assertThat(matchers.get(4).matches(6, net2, 6)).isFalse();
        // an index of IPv4 groups only: every IPv6 address is outside, and the reverse
        AddressIndex v4Only = new AddressIndex.Builder().add(0, matchers.get(0)).build();
        assertThat(found(v4Only, 6, 0, first4)).isEmpty();
        assertThat(found(v4Only, 6, 0, 0)).isEmpty();
        AddressIndex v6Only = new AddressIndex.Builder().add(0, matchers.get(3)).build();
        assertThat(found(v6Only, 4, 0, 0)).isEmpty();
        assertThat(found(v6Only, 4, 0, 0xFFFF_FFFFL)).isEmpty();
        // a bit above the low 32 bits of an IPv4 lookup is ignored, as the matchers ignore it
        assertThat(found(index, 4, 7, (1L << 32) | first4)).containsExactly(0);
        CandidateRules candidates = new CandidateRules(matchers.size());
        index.addContaining(4, 7, (1L << 32) | 0xC633_0307L, candidates);
        assertThat(candidates.next(0)).isEqualTo(1);
        assertThat(candidates.next(2)).isEqualTo(2);
        assertThat(candidates.next(3)).isEqualTo(-1);
    }

    @Test
    void storesARangeAtFewNodesSoTheIndexGrowsWithTheGroupsNotTheirProduct() throws Exception {
        // 2 000 hosts and 2 000 rules on $HOME_NET, which contains every host: one entry per host and per HOME_NET
        // range at the node that covers it, not one per rule and host interval.
        RandomGroups groups = new RandomGroups(new Random(0));
        AddressIndex.Builder builder = new AddressIndex.Builder();
        AddressMatcher home = groups.parse("$HOME_NET");
        for (int id = 0; id < 2_000; id++) {
            builder.add(2 * id, groups.parse("10.0." + (id / 256) + "." + (id % 256)));
            builder.add(2 * id + 1, home);
        }
        AddressIndex index = builder.build();
        assertThat(index.entries()).isLessThan(2_000 + 2_000 * 3 * 2 * 24);
        assertThat(found(index, 4, 0, 0x0A00_0105L)).hasSize(1 + 2_000).contains(2 * 261);
        assertThat(found(index, 4, 0, 0x0B00_0000L)).isEmpty();
    }

    private static List<Integer> found(AddressIndex index, int version, long hi, long lo) {
        int[] out = new int[Math.max(1, index.idLimit())];
        int n = index.containing(version, hi, lo, out, 0);
        int[] sorted = Arrays.copyOf(out, n);
        Arrays.sort(sorted);
        return Arrays.stream(sorted).boxed().toList();
    }

    /**
     * Random address groups as rules write them (CIDRs and hosts of both versions, lists, nested lists, negations,
     * {@code any}, variables) over a few overlapping areas, and addresses at and around their range ends.
     */
    static final class RandomGroups {
        private static final long[][] V6_AREAS = {
            {0x2001_0db8_0000_0000L, 0}, {0x2001_0db8_0018_0000L, 0}, {0, 0}, {0, 0x0000_ffff_0a00_0000L}, {-1L, -1L}
        };
        private static final long[] V4_AREAS = {0x0A00_0000L, 0x0A01_0000L, 0xC0A8_0000L, 0, 0xFFFF_FF00L, 0xC633_6400L
        };

        private final Random random;
        private final SuricataRuleParser parser = new SuricataRuleParser(VARIABLES, RuleOrder.DEFAULT_ACTION_ORDER);
        /** Range ends written so far, {version, hi, lo}: where addresses are probed. */
        private final List<long[]> ends = new ArrayList<>();

        RandomGroups(Random random) {
            this.random = random;
        }

        /** The source group of a parsed IP-only rule, or null if the parser rejects it (e.g. it matches nothing). */
        AddressMatcher parse(String group) {
            Signature sig = parseRule("alert ip " + group + " any -> any any (sid:1;)");
            return sig == null ? null : sig.source();
        }

        Signature parseRule(String rule) {
            try {
                return parser.parse(rule, "random.rules", "$").get(0);
            } catch (PolicyException e) {
                return null;
            }
        }

        String group() {
            return switch (random.nextInt(12)) {
                case 0 -> "any";
                case 1 -> random.nextBoolean() ? "$HOME_NET" : "$EXTERNAL_NET";
                case 2, 3, 4 -> block();
                case 5 -> "!" + block();
                default -> list(0);
            };
        }

        private String list(int depth) {
            int n = 1 + random.nextInt(4);
            List<String> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int kind = random.nextInt(10);
                if (kind == 0 && depth < 2) items.add((random.nextBoolean() ? "!" : "") + list(depth + 1));
                else if (kind == 1) items.add(random.nextBoolean() ? "$HOME_NET" : "!$HOME_NET");
                else if (kind < 4) items.add("!" + block());
                else items.add(block());
            }
            return "[" + String.join(", ", items) + "]";
        }

        /** A CIDR block or host in one of the areas; remembers its first and last address and their neighbours. */
        String block() {
            if (random.nextInt(3) == 0) {
                long[] area = V6_AREAS[random.nextInt(V6_AREAS.length)];
                int length = random.nextInt(129);
                long hi = area[0] ^ (random.nextInt(4) == 0 ? random.nextLong() >>> random.nextInt(64) : 0);
                long lo = area[1] ^ random.nextLong() >>> random.nextInt(64);
                long maskHi = length >= 64 ? -1L : length == 0 ? 0 : -1L << (64 - length);
                long maskLo = length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
                hi &= maskHi;
                lo &= maskLo;
                ends.add(new long[] {6, hi, lo});
                ends.add(new long[] {6, hi | ~maskHi, lo | ~maskLo});
                return v6(hi, lo) + (length == 128 && random.nextBoolean() ? "" : "/" + length);
            }
            long base = V4_AREAS[random.nextInt(V4_AREAS.length)] ^ (random.nextInt() >>> (8 + random.nextInt(24)));
            int length = random.nextInt(4) == 0 ? random.nextInt(33) : 16 + random.nextInt(17);
            long mask = length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
            long start = base & mask;
            ends.add(new long[] {4, 0, start});
            ends.add(new long[] {4, 0, start | (~mask & 0xFFFF_FFFFL)});
            return v4(start) + (length == 32 && random.nextBoolean() ? "" : "/" + length);
        }

        /** An address {version, hi, lo}: mostly a written range end or its neighbour, sometimes anywhere. */
        long[] address() {
            if (ends.isEmpty() || random.nextInt(8) == 0) {
                return random.nextBoolean()
                        ? new long[] {4, 0, random.nextInt() & 0xFFFF_FFFFL}
                        : new long[] {6, random.nextLong(), random.nextLong()};
            }
            long[] end = ends.get(random.nextInt(ends.size()));
            int step = random.nextInt(3) - 1;
            if (end[0] == 4) return new long[] {4, 0, (end[2] + step) & 0xFFFF_FFFFL};
            long lo = end[2] + step;
            long hi = end[1];
            if (step == 1 && lo == 0) hi++;
            if (step == -1 && lo == -1L) hi--;
            return new long[] {6, hi, lo};
        }

        static String v4(long address) {
            return (address >>> 24 & 255) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "."
                    + (address & 255);
        }

        static String v6(long hi, long lo) {
            StringBuilder out = new StringBuilder();
            for (int g = 0; g < 8; g++) {
                long word = g < 4 ? hi : lo;
                if (g > 0) out.append(':');
                out.append(Long.toHexString(word >>> (48 - 16 * (g % 4)) & 0xFFFF));
            }
            return out.toString();
        }
    }
}
