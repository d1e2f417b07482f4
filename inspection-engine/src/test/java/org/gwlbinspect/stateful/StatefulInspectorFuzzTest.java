package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyInspector;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveProducer;
import org.gwlbinspect.eve.EveRings;
import org.gwlbinspect.eve.EveSerializer;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.verdict.Verdict;

/**
 * Jazzer fuzz test of the stateful path as a worker runs it (flow table, reassembly, app-layer parsers, rule evaluator,
 * stream exception policy, EVE alerts) on a packet sequence the fuzzer writes, against fixed policies: the strict-order
 * TLS/HTTP allow-list bundle with {@code aws:drop_established} (stream exceptions REJECT), the same with {@code
 * aws:drop_established_app_layer} (CONTINUE), and an action-order allow-list with payload, flowbits, pcre, JA3, DNS
 * and {@code app-layer-protocol:failed} rules. Invariants: nothing throws; every packet gets a verdict; every alert
 * record serializes to valid JSON; once all flows have ended, every parser set, stream state and reassembly chunk is
 * back in its pool.
 *
 * <p>Input, read from the front (a short input just ends the sequence): a policy byte, then steps. A step's first byte
 * picks the flow ({@code & 3}: TCP to 443, TCP to 80, UDP to 53, TCP to 443 with sequence numbers about to wrap), the
 * direction ({@code & 4}: to the client) and, when {@code >>> 3 == 31}, a clock step: the next byte × 2 s pass and idle
 * flows expire. A packet step then reads TCP flags (1 byte), the sequence and acknowledgment numbers as offsets from
 * the two sides' initial sequence numbers (2 bytes each) and the payload: a source byte (low 3 bits: 0 = the next
 * {@code n} input bytes after a length byte {@code n}, else a canned message, see {@link #CANNED}; bit 3: then flip one
 * byte, position 2 bytes and XOR mask 1 byte), and for a canned message its slice (start, length: 2 bytes each).
 *
 * <p>Under Surefire it replays {@code StatefulInspectorFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/security.md).
 */
class StatefulInspectorFuzzTest {
    private static final int MAX_STEPS = 64;
    private static final int[] SERVER_PORTS = {443, 80, 53, 443};
    private static final long[] CLIENT_ISN = {1000, 2000, 0, 0xFFFF_FF00L};
    private static final long[] SERVER_ISN = {900_000, 800_000, 0, 0xFFFF_FFF0L};
    private static final int CLIENT_PORT = 40001;

    /** Messages a step can send slices of: index = the source byte's low 3 bits (0 = raw input bytes). */
    static final byte[][] CANNED = {
        new byte[0],
        StatefulHarness.clientHello("github.com"),
        StatefulHarness.clientHello("evil.example"),
        ascii("GET /login HTTP/1.1\r\nHost: GitHub.com:8080\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n"),
        ascii("GET http://github.com/ HTTP/1.1\r\nHost: evil.example\r\n\r\nsecret BADSTUFF"),
        StatefulHarness.dnsOverTcp(StatefulHarness.dnsQuery("www.blocked.example")),
        StatefulHarness.dnsQuery("ok.example"),
        ascii("SSH-2.0-OpenSSH_9.6\r\n"),
    };

    private static final StatefulHarness HARNESS = new StatefulHarness(StatefulHarness.SMALL);
    private static final PolicyInspector[] WORKERS;
    private static final EveProducer EVE = EveRings.producer("fuzz", 1024);
    private static final EveSerializer SERIALIZER = new EveSerializer("fuzz", "eu-west-1a");
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        String bundle = StatefulHarness.resource("/policy/egress-strict-allowlist.json");
        CompiledPolicy[] policies = {
            StatefulHarness.compile("strict.json", bundle),
            StatefulHarness.compile(
                    "app-layer.json",
                    bundle.replace(
                                    "\"aws:drop_established\", \"aws:alert_established\"",
                                    "\"aws:drop_established_app_layer\", \"aws:alert_established_app_layer\"")
                            .replace(
                                    "\"StreamExceptionPolicy\": \"REJECT\"",
                                    "\"StreamExceptionPolicy\": \"CONTINUE\"")),
            StatefulHarness.compile("action-order.rules", StatefulHarness.resource("/policy/fuzz-action-order.rules")),
        };
        WORKERS = new PolicyInspector[policies.length];
        EpochClock clock = new EpochClock(1_755_003_965_000_000L, 0);
        for (int i = 0; i < policies.length; i++) {
            WORKERS[i] = HARNESS.inspectorFor(policies[i]);
            new EveAlerts(WORKERS[i].stateful(), EVE, clock, FlowRecords.disabled());
        }
    }

    @FuzzTest(maxDuration = "5m")
    void keepsEveryPoolBalancedAndEveryVerdictDefinedForAnyPacketSequence(byte[] input) {
        Steps steps = new Steps(input);
        StatefulHarness h = HARNESS.use(WORKERS[steps.u8() % WORKERS.length]);
        for (int n = 0; n < MAX_STEPS && steps.hasMore(); n++) {
            int op = steps.u8();
            int flow = op & 3;
            boolean toClient = (op & 4) != 0;
            if (op >>> 3 == 31) {
                h.now += steps.u8() * 2_000_000_000L;
                h.table.expireIdle(h.now, h.table.indexSize());
                continue;
            }
            int flags = steps.u8();
            long seq = (toClient ? SERVER_ISN : CLIENT_ISN)[flow] + steps.u16();
            long ack = (toClient ? CLIENT_ISN : SERVER_ISN)[flow] + steps.u16();
            byte[] payload = payload(steps);
            int clientPort = CLIENT_PORT + flow;
            int serverPort = SERVER_PORTS[flow];
            Verdict verdict;
            if (flow == 2) {
                verdict = toClient
                        ? h.udpToClient(clientPort, serverPort, payload)
                        : h.udpToServer(clientPort, serverPort, payload);
            } else {
                verdict = toClient
                        ? h.toClient(clientPort, serverPort, seq, ack, flags, payload)
                        : h.toServer(clientPort, serverPort, seq, ack, flags, payload);
            }
            assertThat(verdict).isNotNull();
            EveRings.drain(EVE, record -> assertThat(validJson(record)).isTrue());
        }
        h.expireAll();
        assertThat(h.parserSetsInUse()).as("parser sets in use").isZero();
        assertThat(h.streamsInUse()).as("stream states in use").isZero();
        assertThat(h.chunksInUse()).as("reassembly chunks in use").isZero();
    }

    private static byte[] payload(Steps steps) {
        int source = steps.u8();
        byte[] payload;
        if ((source & 7) == 0) {
            payload = steps.bytes(steps.u8());
        } else {
            byte[] message = CANNED[source & 7];
            int start = steps.u16() % (message.length + 1);
            int length = steps.u16() % (message.length - start + 1);
            payload = Arrays.copyOfRange(message, start, start + length);
        }
        if ((source & 8) != 0) {
            int at = steps.u16();
            int mask = steps.u8();
            if (payload.length > 0) payload[at % payload.length] ^= (byte) mask;
        }
        return payload;
    }

    private static boolean validJson(org.gwlbinspect.eve.EveRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            SERIALIZER.write(record, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            return JSON.readTree(out.toByteArray()).isObject();
        } catch (IOException e) {
            throw new AssertionError("EVE record is not JSON: " + out.toString(StandardCharsets.UTF_8), e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The fuzzer's input read from the front; past its end every read is 0. */
    static final class Steps {
        private final byte[] input;
        private int position;

        Steps(byte[] input) {
            this.input = input;
        }

        boolean hasMore() {
            return position < input.length;
        }

        int u8() {
            return position < input.length ? input[position++] & 0xFF : 0;
        }

        int u16() {
            return u8() << 8 | u8();
        }

        byte[] bytes(int n) {
            int from = Math.min(position, input.length);
            position = Math.min(input.length, position + n);
            return Arrays.copyOfRange(input, from, position);
        }
    }
}
