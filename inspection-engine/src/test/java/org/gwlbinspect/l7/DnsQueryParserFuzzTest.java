package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Jazzer fuzz test of the DNS query parser: the fuzzer's message read as one UDP datagram and as a DNS-over-TCP message
 * (RFC 1035 §4.2.2 length prefix) cut into segments at points it chooses ({@link FuzzedSegments}). Neither throws, a
 * terminal status sticks, and both read the same first question, so {@code dns.query} does not depend on the
 * transport or on how the message was segmented. Under Surefire it replays {@code DnsQueryParserFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1} fuzzes (docs/security.md).
 */
class DnsQueryParserFuzzTest {
    private final DnsQueryParser datagram = new DnsQueryParser();
    private final DnsQueryParser stream = new DnsQueryParser();

    @FuzzTest(maxDuration = "2m")
    void readsTheSameQuestionFromADatagramAndFromAnyCutOfTheTcpStream(FuzzedDataProvider data) {
        FuzzedSegments input = FuzzedSegments.consume(data);
        byte[] message = input.message();
        DnsParseStatus expected = datagram.parseDatagram(input.whole(), FuzzedSegments.GUARD, message.length);

        stream.reset();
        ByteBuf prefix = Unpooled.wrappedBuffer(new byte[] {(byte) (message.length >> 8), (byte) message.length});
        DnsParseStatus status = stream.feedTcp(prefix, 0, 1);
        assertThat(status).isEqualTo(DnsParseStatus.NEED_MORE);
        status = stream.feedTcp(prefix, 1, 1);
        for (int i = 0; i < input.pieces(); i++) {
            DnsParseStatus next = stream.feedTcp(input.piece(i), FuzzedSegments.GUARD, input.pieceLength(i));
            if (status != DnsParseStatus.NEED_MORE)
                assertThat(next).as("a terminal status sticks").isEqualTo(status);
            status = next;
        }
        assertThat(status).isEqualTo(expected).isEqualTo(stream.status());
        assertThat(stream.malformedReason()).isEqualTo(datagram.malformedReason());
        assertThat(stream.tcpMessageEnd()).isEqualTo(2 + message.length);
        assertThat(fields(stream)).isEqualTo(fields(datagram));
    }

    private static String fields(DnsQueryParser p) {
        if (p.status() != DnsParseStatus.DONE) {
            assertThat(p.queryAsString()).isNull();
            return "status=" + p.status();
        }
        assertThat(p.queryLength()).isBetween(0, DnsQueryParser.MAX_NAME_WIRE_LENGTH - 2);
        assertThat(p.questionEnd()).isBetween(DnsQueryParser.HEADER_LENGTH + 5, p.bufferedLength());
        return "id=" + p.transactionId() + " flags=" + p.flags() + " response=" + p.isResponse() + " questions="
                + p.questionCount() + " query=" + p.queryAsString() + " type=" + p.queryType() + " class="
                + p.queryClass() + " end=" + p.questionEnd();
    }
}
