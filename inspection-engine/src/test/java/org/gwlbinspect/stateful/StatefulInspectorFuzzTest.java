package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.icmp;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

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
 * direction ({@code & 4}: to the client) and the kind ({@code >>> 3}): 31 is a clock step (the next byte × 2 s pass
 * and idle flows expire), any other a packet. A packet step reads TCP flags (1 byte), the sequence and acknowledgment
 * numbers as offsets from the two sides' initial sequence numbers (2 bytes each) and the payload: a source byte (low 3
 * bits: 0 = the next {@code n} input bytes after a length byte {@code n}, else a canned message, see {@link #CANNED};
 * bit 3: then flip one byte, position 2 bytes and XOR mask 1 byte), and for a canned message its slice (start, length:
 * 2 bytes each). Kind 30 sends an ICMP error quoting the packet instead of the packet; kind 29 sends the packet as two
 * IPv4 fragments (fragment ID 1 byte, odd: the later fragment first; cut 1 byte, in 8-byte units).
 *
 * <p>Under Surefire it replays {@code StatefulInspectorFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/security.md).
 */
class StatefulInspectorFuzzTest {
    private static final int MAX_STEPS = 64;
    private static final int[] SERVER_PORTS = {443, 80, 53, 443};
    private static final long[] CLIENT_ISN = {1000, 2000, 0, 0xFFFF_FF00L};
    private static final long[] SERVER_ISN = {900_000, 800_000, 0, 0xFFFF_FFF0L};
    private static final int CLIENT_PORT = 40001;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int FRAGMENTS_STEP = 29;
    private static final int ICMP_ERROR_STEP = 30;
    private static final int CLOCK_STEP = 31;
    /** IPv4 flags/fragment offset field with MF set and offset 0: the first fragment of a datagram. */
    private static final int MORE_FRAGMENTS = 0x2000;

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
            if (op >>> 3 == CLOCK_STEP) {
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
            int protocol = flow == 2 ? UDP : TCP;
            byte[] transport = flow == 2
                    ? (toClient ? udp(serverPort, clientPort, payload) : udp(clientPort, serverPort, payload))
                    : (toClient
                            ? tcp(serverPort, clientPort, seq, ack, flags, payload)
                            : tcp(clientPort, serverPort, seq, ack, flags, payload));
            long src = toClient ? StatefulHarness.SERVER : StatefulHarness.CLIENT;
            long dst = toClient ? StatefulHarness.CLIENT : StatefulHarness.SERVER;
            if (op >>> 3 == ICMP_ERROR_STEP) {
                // A router's "fragmentation needed" back to the sender, quoting this packet's headers.
                byte[] quoted = Arrays.copyOf(ipv4Packet(protocol, src, dst, transport), 28);
                assertThat(h.sendOrSkip(ipv4Packet(1, dst, src, icmp(3, 4, 1400, quoted))))
                        .isNotNull();
            } else if (op >>> 3 == FRAGMENTS_STEP && transport.length > 8) {
                // The packet as two IPv4 fragments cut at an 8-byte boundary, in either order.
                int id = steps.u8();
                int cut = 8 * (1 + steps.u8() % ((transport.length - 1) / 8));
                byte[] first =
                        ipv4Packet(protocol, src, dst, id, MORE_FRAGMENTS, new byte[0], Arrays.copyOf(transport, cut));
                byte[] rest = ipv4Packet(
                        protocol,
                        src,
                        dst,
                        id,
                        cut / 8,
                        new byte[0],
                        Arrays.copyOfRange(transport, cut, transport.length));
                // A later fragment without its first one has no flow, a first fragment too short for the TCP header
                // does not decode: the worker drops either uninspected (null).
                h.sendOrSkip((id & 1) == 0 ? first : rest);
                h.sendOrSkip((id & 1) == 0 ? rest : first);
            } else {
                assertThat(h.send(ipv4Packet(protocol, src, dst, transport))).isNotNull();
            }
            EveRings.drain(EVE, record -> assertThat(validJson(record)).isTrue());
        }
        h.expireAll();
        assertThat(h.table.activeFlows()).as("flows left").isZero();
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
