package org.gwlbinspect.benchmarks.eve;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.eve.EveProducer;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.eve.EveSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of one EVE alert on each side of the log.
 *
 * <p>The worker's part: claim a ring slot, fill a TLS alert (SNI copied from the packet) and publish it to a running
 * {@link EveLog}, whose writer thread drains the ring into a file in a temporary directory. {@code pacedEnqueueAlert}
 * does {@code paceTokens} of other work between alerts so the writer keeps up: its cost minus {@code pacedBaseline} is
 * the enqueue, cache-line traffic with the writer included. {@code enqueueOrDropAlert} enqueues back to back, so the
 * ring is nearly always full and it mostly measures the counted drop. {@code baselineFillAlert} fills a record
 * without the ring.
 *
 * <p>The writer's part: {@code serializeAlert} and {@code serializeNetflow} write one record into the NFW envelope
 * through the reused generator.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class EveLogBenchmark {

    private static final byte[] SNI = "ssm.us-east-1.amazonaws.com".getBytes(StandardCharsets.US_ASCII);
    private static final String SIGNATURE = "matching TLS allow-listed FQDNs";
    private static final String ARN =
            "arn:aws:network-firewall:us-east-1:123456789012:stateful-rulegroup/custom-egress-rules";

    /** Work between two alerts in the paced benchmarks, so the writer keeps up and the ring does not fill. */
    @Param("1000")
    long paceTokens;

    private Path dir;
    private EveLog log;
    private EveProducer producer;
    private final EveRecord alert = new EveRecord();
    private final EveRecord netflow = new EveRecord();
    private final CountingOutputStream out = new CountingOutputStream();
    private final EveSerializer serializer = new EveSerializer("use1-fw", "us-east-1a");
    private JsonGenerator generator;
    private long flowId;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("eve-bench");
        log = EveLog.start(new EveLogConfig(
                dir.resolve("alert.json"), dir.resolve("flow.json"), 256L << 20, 1, 1 << 16, "use1-fw", "us-east-1a"));
        producer = log.registerProducer("bench");
        generator = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
        generator.setRootValueSeparator(null);
        fillAlert(alert, 1);
        netflow.reset(EveRecord.EventType.NETFLOW);
        netflow.timestampMicros(1_755_003_965_059_525L)
                .flowId(2031903400513076L)
                .ipv4(0x0A50012CL, 0xD155CB71L)
                .ports(59772, 80)
                .proto(6)
                .appProto(EveRecord.AppProto.HTTP)
                .netflow(6, 395, 1_755_003_903_931_841L, 1_755_003_903_942_320L, 126, 126)
                .flowEnd(EveRecord.FlowState.CLOSED, EveRecord.FlowReason.TIMEOUT, false)
                .tcpFlags(0x1b);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        log.close();
        long written = log.recordsWritten(EveRecord.EventType.ALERT);
        long lost = log.lostRecords(EveRecord.EventType.ALERT);
        if (written + lost > 0) {
            System.out.printf(
                    "%nEVE log: %d alerts written, %d lost on a full ring (%.1f %%), %d MB%n",
                    written, lost, 100.0 * lost / (written + lost), log.bytesWritten() >> 20);
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    private static void fillAlert(EveRecord r, long flowId) {
        r.timestampMicros(1_752_419_374_606_289L)
                .resourceArn(ARN)
                .flowId(flowId)
                .txId(0)
                .ipv4(0x0AAA122FL, 0x43DCF4BEL)
                .ports(49402, 443)
                .proto(6)
                .appProto(EveRecord.AppProto.TLS)
                .direction(EveRecord.Direction.TO_SERVER)
                .alert(EveRecord.AlertAction.ALLOWED, 100003, 1, SIGNATURE, "", 3)
                .verdict(EveRecord.VerdictAction.PASS)
                .tls(0, false)
                .sni(SNI, 0, SNI.length);
    }

    @Benchmark
    public boolean enqueueOrDropAlert() {
        return enqueue();
    }

    @Benchmark
    public boolean pacedEnqueueAlert() {
        Blackhole.consumeCPU(paceTokens);
        return enqueue();
    }

    @Benchmark
    public void pacedBaseline() {
        Blackhole.consumeCPU(paceTokens);
    }

    private boolean enqueue() {
        EveRecord r = producer.claim(EveRecord.EventType.ALERT);
        if (r == null) {
            return false;
        }
        fillAlert(r, ++flowId);
        producer.publish();
        return true;
    }

    @Benchmark
    public long baselineFillAlert() {
        alert.reset(EveRecord.EventType.ALERT);
        fillAlert(alert, ++flowId);
        return alert.type().ordinal();
    }

    @Benchmark
    public long serializeAlert() throws IOException {
        fillAlert(alert, ++flowId);
        serializer.write(alert, generator);
        generator.flush();
        return out.reset();
    }

    @Benchmark
    public long serializeNetflow() throws IOException {
        serializer.write(netflow, generator);
        generator.flush();
        return out.reset();
    }

    /** Counts and forgets what the generator writes. */
    private static final class CountingOutputStream extends OutputStream {
        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }

        long reset() {
            long n = count;
            count = 0;
            return n;
        }
    }
}
