package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.stateful.StatefulHarness.ACK;
import static org.gwlbinspect.stateful.StatefulHarness.PSH_ACK;
import static org.gwlbinspect.stateful.StatefulHarness.SYN;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Payload {@code content}/{@code pcre} rules without a sticky buffer on TCP match the reassembled stream, as Suricata's
 * stream and packet-stream rules do (policy.md §3.3): a content split across segments, sent byte by byte, out of order
 * or overlapped with other bytes matches the bytes the server reads, on the segment that completes it; depth counts
 * from the stream's first byte; a match in the stream acts on the flow. Through the whole stateful path ({@link
 * StatefulHarness}).
 */
class StreamPayloadMatchingTest {
    private static final long CLIENT_ISN = 1000;
    private static final long SERVER_ISN = 900_000;
    private static final int PORT = 8080;

    private static final CompiledPolicy DROP_BADSTUFF = StatefulHarness.compile("payload.rules", """
            drop tcp any any -> any any (msg:"bad stuff"; content:"BADSTUFF"; sid:10;)
            """);

    private final StatefulHarness h = new StatefulHarness(StatefulHarness.SMALL);
    private int clientPort = 41000;

    @AfterEach
    void everyStateGoesBackWhenTheFlowsEnd() {
        h.assertEveryStateReturnsWhenTheFlowsEnd();
    }

    /** SYN, SYN-ACK, ACK of a new connection; returns its client port. */
    private int connect() {
        int client = ++clientPort;
        assertThat(h.toServer(client, PORT, CLIENT_ISN, 0, SYN, new byte[0])).isEqualTo(Verdict.PASS);
        assertThat(h.toClient(client, PORT, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        assertThat(h.toServer(client, PORT, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        return client;
    }

    /** Client bytes at {@code offset} into the client's stream. */
    private Verdict send(int client, int offset, String data) {
        return h.toServer(client, PORT, CLIENT_ISN + 1 + offset, SERVER_ISN + 1, PSH_ACK, ascii(data));
    }

    /** Server bytes at {@code offset} into the server's stream. */
    private Verdict reply(int client, int offset, String data) {
        return h.toClient(client, PORT, SERVER_ISN + 1 + offset, CLIENT_ISN + 1, PSH_ACK, ascii(data));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aContentSplitAcrossTwoSegmentsIsMatchedOnTheSecondAndDropsTheFlow() {
        h.use(DROP_BADSTUFF);
        int client = connect();
        assertThat(send(client, 0, "GET /xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 10, "STUFF HTTP/1.0\r\n\r\n")).isEqualTo(Verdict.DROP);
        // A match in the stream acts on the flow (Suricata PACKET_ALERT_FLAG_STREAM_MATCH): the retransmission and the
        // server's packets are dropped without inspection.
        assertThat(send(client, 10, "STUFF HTTP/1.0\r\n\r\n")).isEqualTo(Verdict.DROP);
        assertThat(reply(client, 0, "HTTP/1.0 200 OK\r\n")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("10:DROP");
        assertThat(h.counters.packets(StatefulOutcome.FLOW_DROPPED)).isEqualTo(2);
    }

    @Test
    void aContentSentOneByteASegmentIsMatchedOnTheByteThatCompletesIt() {
        h.use(DROP_BADSTUFF);
        int client = connect();
        String data = "xxBADSTUFFyy";
        List<Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < data.length(); i++) verdicts.add(send(client, i, data.substring(i, i + 1)));
        int completing = data.indexOf("BADSTUFF") + "BADSTUFF".length() - 1;
        assertThat(verdicts.subList(0, completing)).containsOnly(Verdict.PASS);
        assertThat(verdicts.subList(completing, data.length())).containsOnly(Verdict.DROP);
        assertThat(h.alerts).containsExactly("10:DROP");
    }

    @Test
    void segmentsOutOfOrderAreMatchedInSequenceOrderWhenTheGapFills() {
        h.use(DROP_BADSTUFF);
        int client = connect();
        assertThat(send(client, 5, "STUFFyy")).isEqualTo(Verdict.PASS); // buffered: nothing to match yet
        assertThat(h.alerts).isEmpty();
        assertThat(send(client, 0, "xxBAD")).isEqualTo(Verdict.DROP); // fills the gap: "xxBADSTUFFyy"
        assertThat(h.alerts).containsExactly("10:DROP");
    }

    @Test
    void overlappingBytesMatchWhatWasInspectedFirstAndAContradictionIsDropped() {
        h.use(DROP_BADSTUFF);
        // The first copy is harmless: the stream keeps it, the copy that would complete the content is dropped, so the
        // server cannot assemble BADSTUFF whatever its overlap policy.
        int client = connect();
        assertThat(send(client, 0, "xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 5, "SAFEyy")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 5, "STUFFy")).isEqualTo(Verdict.DROP);
        assertThat(h.counters.packets(StatefulOutcome.STREAM_UNSAFE_DROP)).isEqualTo(1);
        assertThat(send(client, 11, "more")).isEqualTo(Verdict.PASS); // the flow goes on
        assertThat(h.alerts).isEmpty();

        // The first copy (buffered out of order) completes the content: it matches although the segment that fills
        // the gap says otherwise at the same sequence numbers.
        int other = connect();
        assertThat(send(other, 5, "STUFFyy")).isEqualTo(Verdict.PASS);
        assertThat(send(other, 0, "xxBADSAFE")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("10:DROP");
        assertThat(send(other, 12, "more")).isEqualTo(Verdict.DROP); // the flow is dropped
    }

    @Test
    void depthCountsFromTheFirstByteOfTheStreamNotOfTheSegment() {
        h.use(StatefulHarness.compile("depth.rules", """
                drop tcp any any -> any any (content:"BADSTUFF"; depth:16; sid:11;)
                """));
        // Within the first 16 bytes of the stream, but across the first segment's end.
        int client = connect();
        assertThat(send(client, 0, "0123456BAD")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 10, "STUFF")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("11:DROP");

        // At the start of the second segment but at stream offset 20: beyond the depth, so no match (a per-packet
        // match would have counted the depth from the segment's first byte).
        h.alerts.clear();
        int other = connect();
        assertThat(send(other, 0, "01234567890123456789")).isEqualTo(Verdict.PASS);
        assertThat(send(other, 20, "BADSTUFF")).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).isEmpty();
    }

    @Test
    void distanceAndWithinSpanTheSegmentBoundary() {
        h.use(StatefulHarness.compile("relative.rules", """
                alert tcp any any -> any any (content:"USER"; content:"root"; distance:1; within:6; sid:12;)
                """));
        int client = connect();
        assertThat(send(client, 0, "xxUSER")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 6, " root\r\n")).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("12:PASS");

        // Too far apart for within:6, even though both contents are in the stream.
        h.alerts.clear();
        int other = connect();
        assertThat(send(other, 0, "xxUSER")).isEqualTo(Verdict.PASS);
        assertThat(send(other, 6, "        root")).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).isEmpty();
    }

    @Test
    void aMatchAlertsOnceAndOnlyANewOccurrenceAlertsAgain() {
        h.use(StatefulHarness.compile("alert.rules", """
                alert tcp any any -> any any (content:"ping"; sid:13;)
                """));
        int client = connect();
        assertThat(send(client, 0, "ping")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 4, "xx")).isEqualTo(Verdict.PASS); // "ping" is still in the lookback: not new
        assertThat(send(client, 6, "pi")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 8, "ng")).isEqualTo(Verdict.PASS); // a second occurrence, split
        assertThat(h.alerts).containsExactly("13:PASS", "13:PASS");
    }

    @Test
    void theServersStreamIsMatchedToo() {
        h.use(StatefulHarness.compile("to-client.rules", """
                drop tcp any any -> any any (flow:to_client; content:"SECRET"; sid:14;)
                """));
        int client = connect();
        assertThat(send(client, 0, "GET / HTTP/1.0\r\n\r\n")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "HTTP/1.0 200 OK\r\n\r\nSEC")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 22, "RET data")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("14:DROP");
    }

    @Test
    void aDirectionNoStreamRuleCanMatchIsNeitherCollectedNorScannedWhileTheOtherIs() {
        h.use(StatefulHarness.compile("to-server.rules", """
                drop tcp any any -> any any (flow:to_server; content:"BADSTUFF"; sid:18;)
                """));
        int client = connect();
        assertThat(send(client, 0, "GET /xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "HTTP/1.0 200 OK\r\n\r\nBADSTUFF")).isEqualTo(Verdict.PASS);
        // only the client's direction has a Hyperscan stream: no rule matches the server's bytes
        assertThat(h.flows.openHyperscanStreams()).isEqualTo(1);
        assertThat(send(client, 10, "STUFF HTTP/1.0\r\n\r\n")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("18:DROP");
    }

    @Test
    void aPacketRuleStillMatchesSegmentsOfADirectionWhoseStreamIsNotCollected() {
        h.use(StatefulHarness.compile("packet-to-client.rules", """
                alert tcp any any -> any any (flow:to_server; content:"REQUEST"; sid:19;)
                drop tcp any any -> any any (flow:to_client; content:"LEAK"; dsize:>0; sid:20;)
                """));
        int client = connect();
        assertThat(send(client, 0, "REQUEST")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "ok LE")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 5, "AK")).isEqualTo(Verdict.PASS); // a packet rule: no single packet holds it
        assertThat(reply(client, 7, "a LEAK")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("19:PASS", "20:DROP");
        assertThat(h.flows.openHyperscanStreams()).isEqualTo(1);
    }

    @Test
    void aPcreIsMatchedInTheStream() {
        h.use(StatefulHarness.compile("pcre.rules", """
                drop tcp any any -> any any (content:"pass="; pcre:"/pass=[0-9]{4}x/"; sid:15;)
                """));
        int client = connect();
        assertThat(send(client, 0, "user=a&pass=12")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 14, "34x")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("15:DROP");
    }

    @Test
    void aPacketRuleWithDsizeStillMatchesSinglePacketsOnly() {
        h.use(StatefulHarness.compile("dsize.rules", """
                drop tcp any any -> any any (content:"BADSTUFF"; dsize:>0; sid:16;)
                """));
        int client = connect();
        assertThat(send(client, 0, "xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 5, "STUFF")).isEqualTo(Verdict.PASS); // split: no packet holds it
        assertThat(send(client, 10, "BADSTUFF")).isEqualTo(Verdict.DROP); // a packet rule drops this packet only
        assertThat(send(client, 18, "harmless")).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("16:DROP");
    }

    @Test
    void aPolicyWithoutPayloadRulesKeepsNoStreamStateAfterTheFirstMessage() {
        h.use(StatefulHarness.compile("sni.rules", """
                drop tls any any -> any any (tls.sni; content:"evil.example"; sid:17;)
                """));
        int client = connect();
        // The policy has no HTTP rule either: the request's later ones are not parsed, nothing is kept.
        assertThat(send(client, 0, "GET / HTTP/1.1\r\nHost: good.example\r\n\r\n"))
                .isEqualTo(Verdict.PASS);
        assertThat(h.streamsInUse()).isZero();
        assertThat(h.parserSetsInUse()).isZero();
        assertThat(h.flows.openHyperscanStreams()).isZero();
    }

    @Test
    void aPolicyWithPayloadRulesKeepsOneStreamPerFlowUntilItEnds() {
        h.use(DROP_BADSTUFF);
        int client = connect();
        assertThat(send(client, 0, "GET / HTTP/1.1\r\nHost: good.example\r\n\r\n"))
                .isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "HTTP/1.1 200 OK\r\n\r\n")).isEqualTo(Verdict.PASS);
        assertThat(h.streamsInUse()).isEqualTo(1);
        assertThat(h.parserSetsInUse()).isZero(); // the first message is parsed: the parsers went back
        assertThat(h.flows.openHyperscanStreams()).isEqualTo(2); // one per direction
    }

    @Test
    void historyTheChunkPoolHasNoRoomForIsLetGoAndCountedForTheMetrics() {
        StatefulHarness tiny = new StatefulHarness(new StatefulConfig(
                new StreamConfig(64, 2048, 1, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8)); // one chunk
        tiny.use(DROP_BADSTUFF);
        for (int client : new int[] {50001, 50002}) {
            tiny.toServer(client, PORT, CLIENT_ISN, 0, SYN, new byte[0]);
            tiny.toClient(client, PORT, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]);
            tiny.toServer(client, PORT, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]);
        }
        // The first flow's out-of-order bytes take the only chunk.
        assertThat(tiny.toServer(50001, PORT, CLIENT_ISN + 101, SERVER_ISN + 1, PSH_ACK, ascii("later")))
                .isEqualTo(Verdict.PASS);
        assertThat(tiny.counters.streamEvents(StreamEvent.HISTORY_MEMCAP)).isZero();

        // The second flow's bytes are inspected and passed, but cannot be kept to compare a retransmission with.
        assertThat(tiny.toServer(50002, PORT, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, ascii("GET / HTTP/1.0\r\n")))
                .isEqualTo(Verdict.PASS);
        assertThat(tiny.counters.streamEvents(StreamEvent.HISTORY_MEMCAP)).isEqualTo(1);
        assertThat(tiny.toServer(50002, PORT, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, ascii("PUT / HTTP/1.0\r\n")))
                .isEqualTo(Verdict.PASS); // other bytes, but nothing kept to tell
        assertThat(tiny.counters.streamEvents(StreamEvent.UNVERIFIED_RETRANSMISSION))
                .isEqualTo(1);
        assertThat(tiny.alerts).isEmpty();
    }

    @Test
    void aDirectionNoStreamRuleCanMatchIsReassembledButNotMatched() {
        h.use(StatefulHarness.compile("to-server.rules", """
                drop tcp any any -> any any (flow:to_server; content:"BADSTUFF"; sid:18;)
                """));
        int client = connect();
        assertThat(send(client, 0, "GET /xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "HTTP/1.0 200 OK\r\n\r\nBADSTUFF")).isEqualTo(Verdict.PASS); // no rule's direction
        assertThat(h.flows.openHyperscanStreams()).isEqualTo(1); // the client's: the server's is never opened

        // The server's stream is still reassembled: bytes that contradict what it sent are dropped as before.
        assertThat(reply(client, 19, "GOODSTUF")).isEqualTo(Verdict.DROP);
        assertThat(h.counters.packets(StatefulOutcome.STREAM_UNSAFE_DROP)).isEqualTo(1);
        assertThat(send(client, 10, "STUFF HTTP/1.0\r\n\r\n")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("18:DROP");
    }

    @Test
    void aFlowNoStreamRuleHeaderCanMatchKeepsItsReassemblyButOpensNoHyperscanStream() {
        h.use(StatefulHarness.compile("port.rules", """
                drop tcp any any -> any 9999 (content:"BADSTUFF"; sid:19;)
                """));
        int client = connect(); // to port 8080
        assertThat(send(client, 0, "xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(send(client, 5, "STUFF")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "BADSTUFF")).isEqualTo(Verdict.PASS);
        assertThat(h.streamsInUse()).isEqualTo(1); // stream payload rules keep the flow's reassembly to its end
        assertThat(h.flows.openHyperscanStreams()).isZero();
        assertThat(send(client, 5, "SAFE!")).isEqualTo(Verdict.DROP); // and its evasion checks
        assertThat(h.alerts).isEmpty();
    }

    @Test
    void aBidirectionalRuleMatchesTheServersStreamThroughItsReversedHeader() {
        h.use(StatefulHarness.compile("both.rules", """
                drop tcp any any <> any 8080 (content:"BADSTUFF"; sid:20;)
                """));
        int client = connect();
        assertThat(send(client, 0, "GET / HTTP/1.0\r\n\r\n")).isEqualTo(Verdict.PASS);
        assertThat(reply(client, 0, "xxBAD")).isEqualTo(Verdict.PASS);
        assertThat(h.flows.openHyperscanStreams()).isEqualTo(2); // both directions are matched
        assertThat(reply(client, 5, "STUFF")).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("20:DROP");
    }
}
