package org.gwlbinspect.benchmarks.stateful;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.gwlbinspect.l7.DnsAnswerParser;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.stateful.BindingResult;
import org.gwlbinspect.stateful.DestinationBindingConfig;
import org.gwlbinspect.stateful.ResolvedAddresses;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Destination binding's data-path work (docs/destination-binding.md): parsing dnsmasq's answer to an A query that
 * follows two CNAMEs ({@link #parseCnameChainAnswer}), against {@link DnsQueryParser} reading the question of the same
 * message ({@link #baselineParseQuestion}, what the data path already did per DNS packet); recording a binding that
 * exists (a repeated answer: its expiry moves) in a map of 65,536 bindings holding 50,000 live ones; and the two
 * lookups, the binding check of a ClientHello's name ({@link #checkBoundName}, {@link #checkMismatchedName}) and a
 * {@code resolved.domain} suffix match. Run with {@code -prof gc}: each must show {@code gc.alloc.rate.norm} ≈ 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DestinationBindingBenchmark {
    /** dnsmasq 2.90: www.allowed.example CNAME alias.allowed.example CNAME edge.cdn.example A 192.0.2.10. */
    private static final byte[] ANSWER = HexFormat.of()
            .parseHex("5a01858000010003000000000377777707616c6c6f776564076578616d706c650000010001c00c00050001000000"
                    + "78001705616c69617307616c6c6f776564076578616d706c6500c0310005000100000078001204656467650363646e"
                    + "076578616d706c6500c05400010001000000780004c000020a");

    private static final long ENDPOINT = 0x0123456789ABCDEFL;
    private static final long CLIENT = 0x0A640105L;
    private static final long SERVER = 0xC000020AL;
    private static final long OTHER = 0xCB00710AL;

    private final DnsAnswerParser answers = new DnsAnswerParser();
    private final DnsQueryParser questions = new DnsQueryParser();
    private final byte[] name = "www.allowed.example".getBytes(StandardCharsets.US_ASCII);
    private final byte[] suffix = "allowed.example".getBytes(StandardCharsets.US_ASCII);
    private ByteBuf message;
    private ResolvedAddresses map;
    private long now = 1_000_000_000L;

    @Setup(Level.Trial)
    public void setUp() {
        message = Unpooled.directBuffer(ANSWER.length).writeBytes(ANSWER);
        map = new ResolvedAddresses(new DestinationBindingConfig(
                DestinationBindingMode.ENFORCE,
                65_536,
                Duration.ofSeconds(30),
                Duration.ofHours(1),
                Duration.ZERO,
                List.of()));
        for (int i = 0; i < 50_000; i++) {
            byte[] n = ("host" + i + ".example").getBytes(StandardCharsets.US_ASCII);
            map.record(ENDPOINT, 4, 0, CLIENT + (i & 1023), n, 0, n.length, 4, 0, 0x0A000000L + i, 3600, now);
        }
        map.record(ENDPOINT, 4, 0, CLIENT, name, 0, name.length, 4, 0, SERVER, 3600, now);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        message.release();
    }

    @Benchmark
    public int baselineParseQuestion() {
        questions.parseDatagram(message, 0, ANSWER.length);
        return questions.queryLength();
    }

    @Benchmark
    public int parseCnameChainAnswer() {
        answers.parse(message, 0, ANSWER.length);
        return answers.addressCount() + answers.chainCount();
    }

    @Benchmark
    public long recordRepeatedBinding() {
        map.record(ENDPOINT, 4, 0, CLIENT, name, 0, name.length, 4, 0, SERVER, 3600, now);
        return map.refreshed();
    }

    @Benchmark
    public BindingResult checkBoundName() {
        return map.check(ENDPOINT, 4, 0, CLIENT, name, 0, name.length, 4, 0, SERVER, now);
    }

    @Benchmark
    public BindingResult checkMismatchedName() {
        return map.check(ENDPOINT, 4, 0, CLIENT, name, 0, name.length, 4, 0, OTHER, now);
    }

    @Benchmark
    public boolean resolvedDomainSuffix() {
        return map.resolvesTo(ENDPOINT, 4, 0, CLIENT, 4, 0, SERVER, suffix, true, now);
    }
}
