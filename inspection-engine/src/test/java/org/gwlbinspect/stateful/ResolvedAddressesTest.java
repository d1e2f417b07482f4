package org.gwlbinspect.stateful;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.junit.jupiter.api.Test;

class ResolvedAddressesTest {
    private static final long ENDPOINT = 0x0123456789ABCDEFL;
    private static final long CLIENT = 0x0A640105L; // 10.100.1.5
    private static final long OTHER_CLIENT = 0x0A640106L;
    private static final long SERVER = 0xC0000201L; // 192.0.2.1
    private static final long ATTACKER = 0xCB00710AL; // 203.0.113.10
    private static final long SECOND = 1_000_000_000L;

    private static DestinationBindingConfig config(int capacity) {
        return new DestinationBindingConfig(
                DestinationBindingMode.ALERT,
                capacity,
                Duration.ofSeconds(30),
                Duration.ofSeconds(3600),
                Duration.ZERO,
                List.of());
    }

    private final ResolvedAddresses map = new ResolvedAddresses(config(1024), 42);

    private static byte[] name(String s) {
        return s.getBytes(US_ASCII);
    }

    private void record(ResolvedAddresses m, long client, String name, long address, long ttl, long now) {
        byte[] n = name(name);
        m.record(ENDPOINT, 4, 0, client, n, 0, n.length, 4, 0, address, ttl, now);
    }

    private BindingResult check(ResolvedAddresses m, long client, String name, long address, long now) {
        byte[] n = name(name);
        return m.check(ENDPOINT, 4, 0, client, n, 0, n.length, 4, 0, address, now);
    }

    private boolean resolvesTo(long client, String domain, boolean suffix, long address, long now) {
        return map.resolvesTo(ENDPOINT, 4, 0, client, 4, 0, address, name(domain), suffix, now);
    }

    @Test
    void bindsANameToItsAddressForTheClientThatWasTold() {
        record(map, CLIENT, "allowed.example", SERVER, 300, 0);

        assertThat(check(map, CLIENT, "allowed.example", SERVER, SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(check(map, CLIENT, "allowed.example", ATTACKER, SECOND)).isEqualTo(BindingResult.MISMATCH);
        assertThat(check(map, CLIENT, "other.example", SERVER, SECOND)).isEqualTo(BindingResult.UNRESOLVED);
        assertThat(check(map, OTHER_CLIENT, "allowed.example", SERVER, SECOND)).isEqualTo(BindingResult.UNRESOLVED);
        byte[] n = name("allowed.example");
        assertThat(map.check(ENDPOINT + 1, 4, 0, CLIENT, n, 0, n.length, 4, 0, SERVER, SECOND))
                .as("another GWLB endpoint: an overlapping client CIDR")
                .isEqualTo(BindingResult.UNRESOLVED);
    }

    @Test
    void expiresABindingAfterItsTtlClampedToTheMinimumAndMaximum() {
        record(map, CLIENT, "zero.example", SERVER, 0, 0); // TTL 0: kept for minTtl (30 s)
        record(map, CLIENT, "long.example", SERVER, 86_400, 0); // a day: kept for maxTtl (1 h)
        record(map, CLIENT, "mid.example", SERVER, 120, 0);

        assertThat(check(map, CLIENT, "zero.example", SERVER, 29 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(check(map, CLIENT, "zero.example", SERVER, 30 * SECOND)).isEqualTo(BindingResult.UNRESOLVED);
        assertThat(check(map, CLIENT, "mid.example", SERVER, 119 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(check(map, CLIENT, "mid.example", SERVER, 121 * SECOND)).isEqualTo(BindingResult.UNRESOLVED);
        assertThat(check(map, CLIENT, "long.example", SERVER, 3599 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(check(map, CLIENT, "long.example", SERVER, 3601 * SECOND)).isEqualTo(BindingResult.UNRESOLVED);
        assertThat(map.live(121 * SECOND)).isEqualTo(1);
    }

    @Test
    void aRepeatedAnswerExtendsTheBindingInPlace() {
        record(map, CLIENT, "allowed.example", SERVER, 60, 0);
        record(map, CLIENT, "allowed.example", SERVER, 60, 50 * SECOND);

        assertThat(check(map, CLIENT, "allowed.example", SERVER, 100 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(map.recorded()).isEqualTo(1);
        assertThat(map.refreshed()).isEqualTo(1);
        assertThat(map.live(100 * SECOND)).isEqualTo(1);
    }

    @Test
    void matchesADomainExactlyOrWithTheNamesUnderIt() {
        record(map, CLIENT, "github.com", SERVER, 300, 0);
        record(map, CLIENT, "ssh.github.com", ATTACKER, 300, 0);
        record(map, CLIENT, "notgithub.com", 0x01020304L, 300, 0);

        assertThat(resolvesTo(CLIENT, "github.com", false, SERVER, SECOND)).isTrue();
        assertThat(resolvesTo(CLIENT, "github.com", true, SERVER, SECOND)).isTrue();
        assertThat(resolvesTo(CLIENT, "github.com", true, ATTACKER, SECOND)).isTrue();
        assertThat(resolvesTo(CLIENT, "github.com", false, ATTACKER, SECOND)).isFalse();
        assertThat(resolvesTo(CLIENT, "github.com", true, 0x01020304L, SECOND))
                .as("a suffix match needs a label boundary")
                .isFalse();
        assertThat(resolvesTo(OTHER_CLIENT, "github.com", true, SERVER, SECOND)).isFalse();
        assertThat(resolvesTo(CLIENT, "github.com", true, SERVER, 301 * SECOND)).isFalse();
    }

    @Test
    void keepsIpv6BindingsApartFromIpv4() {
        byte[] n = name("v6.example");
        map.record(ENDPOINT, 6, 0xFD00000000000000L, 5, n, 0, n.length, 6, 0x20010DB800000000L, 1, 300, 0);

        assertThat(map.check(ENDPOINT, 6, 0xFD00000000000000L, 5, n, 0, n.length, 6, 0x20010DB800000000L, 1, SECOND))
                .isEqualTo(BindingResult.BOUND);
        assertThat(map.check(ENDPOINT, 6, 0xFD00000000000000L, 5, n, 0, n.length, 4, 0, 1, SECOND))
                .isEqualTo(BindingResult.MISMATCH);
    }

    @Test
    void whenFullReusesExpiredEntriesFirstThenEvictsTheOldestAndCountsIt() {
        ResolvedAddresses small = new ResolvedAddresses(config(64), 7);
        for (int i = 0; i < 64; i++) record(small, CLIENT, "n" + i + ".example", SERVER + i, 30, 0);
        assertThat(small.live(SECOND)).isEqualTo(64);

        // 40 s later all have expired: 64 new bindings take their entries without evicting a live one.
        for (int i = 0; i < 64; i++) record(small, CLIENT, "m" + i + ".example", SERVER + i, 300, 40 * SECOND);
        assertThat(small.reusedExpired()).isEqualTo(64);
        assertThat(small.evictedLive()).isZero();

        // Full of live bindings: one more evicts the oldest (the hand's next entry), counted.
        record(small, CLIENT, "new.example", ATTACKER, 300, 41 * SECOND);
        assertThat(small.evictedLive()).isEqualTo(1);
        assertThat(check(small, CLIENT, "new.example", ATTACKER, 42 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(check(small, CLIENT, "m0.example", SERVER, 42 * SECOND)).isEqualTo(BindingResult.UNRESOLVED);
        assertThat(check(small, CLIENT, "m1.example", SERVER + 1, 42 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(small.live(42 * SECOND)).isEqualTo(64);
    }

    @Test
    void aBindingRefreshedSinceTheHandPassedIsSparedOnce() {
        ResolvedAddresses small = new ResolvedAddresses(config(8), 3);
        for (int i = 0; i < 8; i++) record(small, CLIENT, "n" + i + ".example", SERVER + i, 300, 0);
        record(small, CLIENT, "n0.example", SERVER, 300, SECOND); // referenced

        record(small, CLIENT, "new.example", ATTACKER, 300, 2 * SECOND);

        assertThat(check(small, CLIENT, "n0.example", SERVER, 3 * SECOND)).isEqualTo(BindingResult.BOUND);
        assertThat(check(small, CLIENT, "n1.example", SERVER + 1, 3 * SECOND)).isEqualTo(BindingResult.UNRESOLVED);
    }

    @Test
    void recordingAndCheckingAllocateNothing() {
        byte[] n = name("allowed.example");
        byte[] domain = name("example");
        for (int i = 0; i < 20_000; i++) warm(n, domain, i);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int bound = 0;
        for (int i = 0; i < 20_000; i++) bound += warm(n, domain, i);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(bound).isEqualTo(20_000);
        assertThat(allocated).isLessThan(1024); // the allocation counter itself may account a few bytes
    }

    private int warm(byte[] n, byte[] domain, int i) {
        long now = i * 1000L;
        map.record(ENDPOINT, 4, 0, CLIENT + (i & 255), n, 0, n.length, 4, 0, SERVER + (i & 7), 300, now);
        boolean suffix = map.resolvesTo(ENDPOINT, 4, 0, CLIENT + (i & 255), 4, 0, SERVER + (i & 7), domain, true, now);
        BindingResult r = map.check(ENDPOINT, 4, 0, CLIENT + (i & 255), n, 0, n.length, 4, 0, SERVER + (i & 7), now);
        return suffix && r == BindingResult.BOUND ? 1 : 0;
    }

    @Test
    void concurrentWritersAndReadersNeverSeeABindingThatWasNotRecorded() throws Exception {
        ResolvedAddresses shared = new ResolvedAddresses(config(256), 11);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong wrong = new AtomicLong();
        AtomicLong bound = new AtomicLong();
        Thread[] workers = new Thread[threads];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                // Client c is only ever told "c<c>.example" -> 10.0.0.c; the map is 4x too small, so entries churn.
                for (int i = 0; i < 200_000 && System.nanoTime() < deadline; i++) {
                    int c = (i * 7 + id * 3) & 1023;
                    byte[] n = ("c" + c + ".example").getBytes(US_ASCII);
                    if ((i & 2) == 0) {
                        shared.record(ENDPOINT, 4, 0, c, n, 0, n.length, 4, 0, 0x0A000000L + c, 300, 1);
                    } else {
                        BindingResult right = shared.check(ENDPOINT, 4, 0, c, n, 0, n.length, 4, 0, 0x0A000000L + c, 2);
                        BindingResult other = shared.check(ENDPOINT, 4, 0, c, n, 0, n.length, 4, 0, 0x0B000000L + c, 2);
                        if (right == BindingResult.BOUND) bound.incrementAndGet();
                        if (other == BindingResult.BOUND) wrong.incrementAndGet();
                    }
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (Thread w : workers) w.join(10_000);

        assertThat(workers).allMatch(w -> !w.isAlive());
        assertThat(wrong.get()).isZero();
        assertThat(bound.get()).isPositive();
    }
}
