package org.gwlbinspect.l7;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;
import static org.gwlbinspect.l7.TlsMessages.bytes;
import static org.gwlbinspect.l7.TlsMessages.concat;
import static org.gwlbinspect.l7.TlsMessages.u16;

import java.util.Random;
import java.util.stream.Stream;
import org.gwlbinspect.codec.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DnsQueryParserTest {

    static final byte[] QUERY_HEADER = bytes(0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0);
    static final byte[] TYPE_A_CLASS_IN = bytes(0, 1, 0, 1);

    private final DnsQueryParser parser = new DnsQueryParser();

    private DnsParseStatus datagram(byte[] payload) {
        return parser.parseDatagram(buf(payload), 0, payload.length);
    }

    static byte[] name(String... labels) {
        byte[] out = new byte[0];
        for (String label : labels) {
            byte[] l = label.getBytes(US_ASCII);
            out = concat(out, bytes(l.length), l);
        }
        return concat(out, bytes(0));
    }

    static byte[] query(byte[] qname) {
        return concat(QUERY_HEADER, qname, TYPE_A_CLASS_IN);
    }

    @Test
    void readsTheQueryNameOfAJdkResolverDatagramKeepingItsCase() {
        assertThat(datagram(Vectors.bytes("dns/jdk-query-www-example-com.hex"))).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.queryAsString()).isEqualTo("www.Example.com");
        assertThat(parser.queryEquals("www.example.com".getBytes(US_ASCII))).isFalse();
        assertThat(parser.queryEqualsIgnoreCase("www.example.com".getBytes(US_ASCII)))
                .isTrue();
        assertThat(parser.queryType()).isEqualTo(1);
        assertThat(parser.queryClass()).isEqualTo(1);
        assertThat(parser.transactionId()).isEqualTo(0xA40B);
        assertThat(parser.isResponse()).isFalse();
        assertThat(parser.questionEnd()).isEqualTo(33);
    }

    @Test
    void readsADigLikeQueryWithAnEdnsRecord() {
        assertThat(datagram(Vectors.bytes("dns/dig-like-query-example-org-aaaa-edns.hex")))
                .isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.queryAsString()).isEqualTo("example.org");
        assertThat(parser.queryType()).isEqualTo(28);
        assertThat(parser.additionalCount()).isEqualTo(1);
        assertThat(parser.flags()).isEqualTo(0x0120);
    }

    @Test
    void readsTheQuestionOfAResponseToo() {
        byte[] response = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        response[2] |= (byte) 0x80;

        assertThat(datagram(response)).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.isResponse()).isTrue();
        assertThat(parser.queryAsString()).isEqualTo("www.Example.com");
    }

    @Test
    void givesAnEmptyQueryForTheRootName() {
        assertThat(datagram(query(bytes(0)))).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.queryLength()).isZero();
        assertThat(parser.queryAsString()).isEmpty();
    }

    @Test
    void acceptsANameOfExactly255WireOctets() {
        String l63 = "a".repeat(63);
        byte[] qname = name(l63, l63, l63, "b".repeat(61));

        assertThat(qname).hasSize(255);
        assertThat(datagram(query(qname))).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.queryLength()).isEqualTo(253);
    }

    @Test
    void followsACompressionPointerThatPointsBackwards() {
        // The only bytes before the first question are the header: ID 0x00xx makes offset 0 a root label.
        byte[] message = concat(
                bytes(0x00, 0x07),
                bytes(0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0),
                bytes(3, 'w', 'w', 'w'),
                bytes(0xC0, 0x00),
                TYPE_A_CLASS_IN);

        assertThat(datagram(message)).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.queryAsString()).isEqualTo("www");
        assertThat(parser.questionEnd()).isEqualTo(message.length);
    }

    @Test
    void readsAQueryOverTcpSplitAcrossSegments() {
        byte[] message = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        byte[] stream = concat(u16(message.length), message);

        assertThat(parser.feedTcp(buf(stream), 0, 1)).isEqualTo(DnsParseStatus.NEED_MORE);
        assertThat(parser.feedTcp(buf(stream), 1, 10)).isEqualTo(DnsParseStatus.NEED_MORE);
        assertThat(parser.feedTcp(buf(stream), 11, 9)).isEqualTo(DnsParseStatus.NEED_MORE);
        assertThat(parser.feedTcp(buf(stream), 20, stream.length - 20)).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.queryAsString()).isEqualTo("www.Example.com");
        assertThat(parser.messageLength()).isEqualTo(message.length);
    }

    @Test
    void readsTheFirstOfTwoTcpMessagesAndSaysWhereTheSecondStarts() {
        byte[] first = query(name("one", "example"));
        byte[] second = query(name("two", "example"));
        byte[] stream = concat(u16(first.length), first, u16(second.length), second);

        assertThat(parser.feedTcp(buf(stream), 0, stream.length)).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.queryAsString()).isEqualTo("one.example");
        int next = parser.tcpMessageEnd();
        assertThat(next).isEqualTo(2 + first.length);

        parser.reset();
        assertThat(parser.feedTcp(buf(stream), next, stream.length - next)).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.queryAsString()).isEqualTo("two.example");
    }

    @Test
    void readsOnlyTheFirst512BytesOfALongTcpMessage() {
        byte[] message = concat(query(name("big", "example")), new byte[3000]);
        byte[] stream = concat(u16(message.length), message);

        assertThat(parser.feedTcp(buf(stream), 0, 300)).isEqualTo(DnsParseStatus.NEED_MORE);
        assertThat(parser.feedTcp(buf(stream), 300, 600)).isEqualTo(DnsParseStatus.DONE);
        assertThat(parser.bufferedLength()).isEqualTo(512);
        assertThat(parser.queryAsString()).isEqualTo("big.example");
    }

    @Test
    void rejectsAnUnassignedOpcodeAsNotDns() {
        byte[] message = query(name("x"));
        message[2] = (byte) (3 << 3);

        assertThat(datagram(message)).isEqualTo(DnsParseStatus.NOT_DNS);
    }

    static Stream<Arguments> malformedMessages() {
        String l63 = "a".repeat(63);
        byte[] header = QUERY_HEADER;
        return Stream.of(
                Arguments.of(DnsMalformedReason.HEADER_TRUNCATED, bytes(1, 2, 3, 4, 5)),
                Arguments.of(
                        DnsMalformedReason.NO_QUESTION,
                        concat(bytes(0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), name("x"), TYPE_A_CLASS_IN)),
                Arguments.of(DnsMalformedReason.QUESTION_TRUNCATED, concat(header, name("www", "example"))),
                Arguments.of(DnsMalformedReason.QUESTION_TRUNCATED, concat(header, bytes(7, 'e', 'x'))),
                Arguments.of(DnsMalformedReason.QUESTION_TRUNCATED, concat(header, bytes(3, 'w', 'w', 'w'))),
                Arguments.of(DnsMalformedReason.QUESTION_TRUNCATED, concat(header, bytes(0xC0))),
                Arguments.of(DnsMalformedReason.LABEL_TOO_LONG, query(concat(bytes(64), new byte[64], bytes(0)))),
                Arguments.of(DnsMalformedReason.LABEL_TOO_LONG, query(bytes(0x41, 0))),
                Arguments.of(DnsMalformedReason.NAME_TOO_LONG, query(name(l63, l63, l63, "b".repeat(62)))),
                Arguments.of(DnsMalformedReason.POINTER_NOT_BACKWARD, concat(query(bytes(0xC0, 0x20)), name("later"))),
                Arguments.of(DnsMalformedReason.POINTER_NOT_BACKWARD, query(bytes(0xC0, 0x0C))),
                Arguments.of(
                        DnsMalformedReason.POINTER_NOT_BACKWARD,
                        // ID 0xC00C: the pointer to offset 0 finds another pointer, back to the question: a loop
                        concat(
                                bytes(0xC0, 0x0C),
                                bytes(0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0),
                                bytes(1, 'a', 0xC0, 0x00),
                                TYPE_A_CLASS_IN)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedMessages")
    void reportsTheBrokenInvariantOfAMalformedMessage(DnsMalformedReason expected, byte[] message) {
        assertThat(datagram(message)).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(expected);
        assertThat(parser.queryAsString()).isNull();
    }

    @Test
    void rejectsATcpLengthPrefixShorterThanAHeader() {
        assertThat(parser.feedTcp(buf(bytes(0, 5, 1, 2, 3, 4, 5)), 0, 7)).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(DnsMalformedReason.HEADER_TRUNCATED);
    }

    @Test
    void neverThrowsOnRandomBytesOrRandomSplits() {
        Random random = new Random(53);
        byte[] real = Vectors.bytes("dns/dig-like-query-example-org-aaaa-edns.hex");
        for (int round = 0; round < 5000; round++) {
            byte[] input;
            if (round % 2 == 0) {
                input = new byte[random.nextInt(700)];
                random.nextBytes(input);
            } else {
                input = real.clone();
                for (int flips = random.nextInt(4); flips >= 0; flips--) {
                    input[random.nextInt(input.length)] =
                            (byte) (random.nextBoolean() ? 0xC0 | random.nextInt(64) : random.nextInt());
                }
            }
            parser.parseDatagram(buf(input), 0, input.length);
            parser.queryAsString();
            parser.reset();
            int from = 0;
            while (from < input.length && parser.status() == DnsParseStatus.NEED_MORE) {
                int n = 1 + random.nextInt(input.length - from);
                parser.feedTcp(buf(input), from, n);
                from += n;
            }
        }
    }
}
