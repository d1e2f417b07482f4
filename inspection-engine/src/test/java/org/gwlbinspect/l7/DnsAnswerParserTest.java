package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;
import static org.gwlbinspect.l7.TlsMessages.bytes;
import static org.gwlbinspect.l7.TlsMessages.concat;

import java.util.Random;
import org.gwlbinspect.codec.Vectors;
import org.junit.jupiter.api.Test;

class DnsAnswerParserTest {

    /** ID 0x1234, QR + RD + RA, NOERROR, one question, {@code answers} answers. */
    static byte[] header(int answers) {
        return bytes(0x12, 0x34, 0x81, 0x80, 0, 1, 0, answers, 0, 0, 0, 0);
    }

    static byte[] question(String name, int type) {
        return concat(DnsQueryParserTest.name(name.split("\\.")), bytes(0, type, 0, 1));
    }

    /** A record: name (wire form), type, class IN, ttl, rdata. */
    static byte[] record(byte[] name, int type, long ttl, byte[] rdata) {
        return concat(
                name,
                bytes(0, type, 0, 1),
                bytes((int) (ttl >>> 24) & 0xFF, (int) (ttl >>> 16) & 0xFF, (int) (ttl >>> 8) & 0xFF, (int) ttl & 0xFF),
                bytes(rdata.length >>> 8, rdata.length & 0xFF),
                rdata);
    }

    static byte[] pointer(int offset) {
        return bytes(0xC0 | offset >>> 8, offset & 0xFF);
    }

    static byte[] wire(String name) {
        return DnsQueryParserTest.name(name.split("\\."));
    }

    private final DnsAnswerParser parser = new DnsAnswerParser();

    private DnsParseStatus parse(byte[] message) {
        return parser.parse(buf(message), 0, message.length);
    }

    @Test
    void readsDnsmasqsAnswerWithTtlZeroFromTheTestCapture() {
        assertThat(parse(Vectors.bytes("dns/dnsmasq-answer-github-com-a-ttl0.hex")))
                .isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.transactionId()).isEqualTo(0xcc71);
        assertThat(parser.questionType()).isEqualTo(1);
        assertThat(parser.chainCount()).isEqualTo(1);
        assertThat(parser.chainName(0)).isEqualTo("github.com");
        assertThat(parser.addressCount()).isEqualTo(1);
        assertThat(parser.addressVersion(0)).isEqualTo(4);
        assertThat(parser.addressLo(0)).isEqualTo(0xCB00710AL); // 203.0.113.10
        assertThat(parser.addressTtlSeconds(0)).isZero();
    }

    @Test
    void readsDnsmasqsCnameChainToItsAddress() {
        assertThat(parse(Vectors.bytes("dns/dnsmasq-answer-cname-chain-a.hex"))).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.transactionId()).isEqualTo(0x5a01);
        assertThat(parser.chainCount()).isEqualTo(3);
        assertThat(parser.chainName(0)).isEqualTo("www.allowed.example");
        assertThat(parser.chainName(1)).isEqualTo("alias.allowed.example");
        assertThat(parser.chainName(2)).isEqualTo("edge.cdn.example");
        assertThat(parser.addressCount()).isEqualTo(1);
        assertThat(parser.addressLo(0)).isEqualTo(0xC000020AL); // 192.0.2.10
        assertThat(parser.addressTtlSeconds(0)).isEqualTo(120);
    }

    @Test
    void followsACnameChainSoTheQuestionAndEveryTargetLeadToTheAddresses() {
        // www.Example.com CNAME edge.cdn.net (ttl 300), edge.cdn.net CNAME e1.cdn.net (ttl 60), e1 A x2 (ttl 20, 900)
        byte[] head = concat(header(4), question("www.Example.com", 1));
        byte[] cname1 = record(pointer(12), 5, 300, wire("edge.cdn.net"));
        int edge = head.length + 2 + 10; // the target name of the first CNAME
        byte[] cname2 = record(pointer(edge), 5, 60, concat(bytes(2, 'e', '1'), pointer(edge + 5)));
        int e1 = head.length + cname1.length + 2 + 10;
        byte[] a1 = record(pointer(e1), 1, 20, bytes(192, 0, 2, 1));
        byte[] a2 = record(pointer(e1), 1, 900, bytes(192, 0, 2, 2));

        assertThat(parse(concat(head, cname1, cname2, a1, a2))).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.chainCount()).isEqualTo(3);
        assertThat(parser.chainName(0)).isEqualTo("www.example.com"); // lowercased: DNS names ignore case
        assertThat(parser.chainName(1)).isEqualTo("edge.cdn.net");
        assertThat(parser.chainName(2)).isEqualTo("e1.cdn.net");
        assertThat(parser.addressCount()).isEqualTo(2);
        assertThat(parser.addressLo(0)).isEqualTo(0xC0000201L);
        assertThat(parser.addressLo(1)).isEqualTo(0xC0000202L);
        assertThat(parser.addressTtlSeconds(0)).isEqualTo(20);
        assertThat(parser.addressTtlSeconds(1)).isEqualTo(60); // the chain's shortest link
    }

    @Test
    void linksCnameRecordsInAnyOrder() {
        byte[] head = concat(header(2), question("a.example", 28));
        byte[] aaaa =
                record(wire("b.example"), 28, 100, bytes(0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
        byte[] cname = record(pointer(12), 5, 100, wire("b.example"));

        assertThat(parse(concat(head, aaaa, cname))).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.chainCount()).isEqualTo(2);
        assertThat(parser.addressCount()).isEqualTo(1);
        assertThat(parser.addressVersion(0)).isEqualTo(6);
        assertThat(parser.addressHi(0)).isEqualTo(0x20010db800000000L);
        assertThat(parser.addressLo(0)).isEqualTo(1L);
    }

    @Test
    void ignoresAddressesOfNamesOutsideTheChainAndOtherSections() {
        byte[] head = concat(header(1), question("a.example", 1));
        byte[] foreign = record(wire("bank.example"), 1, 100, bytes(198, 51, 100, 7));
        byte[] message = concat(head, foreign);

        assertThat(parse(message)).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.addressCount()).isZero();
    }

    @Test
    void givesNoAddressForAnErrorResponse() {
        byte[] message = concat(header(1), question("a.example", 1), record(pointer(12), 1, 100, bytes(1, 2, 3, 4)));
        message[3] = (byte) 0x83; // NXDOMAIN

        assertThat(parse(message)).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.responseCode()).isEqualTo(3);
        assertThat(parser.addressCount()).isZero();
    }

    @Test
    void treatsATtlWithTheTopBitSetAsZero() {
        byte[] message =
                concat(header(1), question("a.example", 1), record(pointer(12), 1, 0x8000_0001L, bytes(1, 2, 3, 4)));

        assertThat(parse(message)).isEqualTo(DnsParseStatus.DONE);

        assertThat(parser.addressTtlSeconds(0)).isZero();
    }

    @Test
    void refusesACompressionLoop() {
        byte[] head = concat(header(1), question("a.example", 1));
        int self = head.length;
        byte[] message = concat(head, record(pointer(self), 1, 100, bytes(1, 2, 3, 4))); // the owner points to itself

        assertThat(parse(message)).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(DnsMalformedReason.POINTER_NOT_BACKWARD);
        assertThat(parser.addressCount()).isZero();
    }

    @Test
    void refusesAForwardPointerInACnameTarget() {
        byte[] head = concat(header(1), question("a.example", 1));
        byte[] message = concat(head, record(pointer(12), 5, 100, pointer(head.length + 40)));

        assertThat(parse(message)).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(DnsMalformedReason.POINTER_NOT_BACKWARD);
    }

    @Test
    void refusesAnAnswerCutShort() {
        byte[] whole = concat(header(1), question("a.example", 1), record(pointer(12), 1, 100, bytes(1, 2, 3, 4)));

        for (int cut = whole.length - 1; cut > 27; cut--) {
            byte[] message = java.util.Arrays.copyOf(whole, cut);
            assertThat(parse(message)).as("cut at %d", cut).isEqualTo(DnsParseStatus.MALFORMED);
            assertThat(parser.malformedReason()).as("cut at %d", cut).isEqualTo(DnsMalformedReason.ANSWER_TRUNCATED);
        }
    }

    @Test
    void refusesAnARecordThatIsNotFourBytes() {
        byte[] message = concat(header(1), question("a.example", 1), record(pointer(12), 1, 100, bytes(1, 2, 3)));

        assertThat(parse(message)).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(DnsMalformedReason.BAD_RDATA_LENGTH);
    }

    @Test
    void refusesAResponseWithTwoQuestions() {
        byte[] message = concat(header(0), question("a.example", 1), question("b.example", 1));
        message[5] = 2;

        assertThat(parse(message)).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(DnsMalformedReason.MULTIPLE_QUESTIONS);
    }

    @Test
    void refusesATruncatedHeaderAndIgnoresQueries() {
        assertThat(parse(bytes(0x12, 0x34, 0x81))).isEqualTo(DnsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(DnsMalformedReason.HEADER_TRUNCATED);

        assertThat(parse(Vectors.bytes("dns/jdk-query-www-example-com.hex"))).isEqualTo(DnsParseStatus.NOT_DNS);
    }

    @Test
    void neverThrowsOnRandomBytesOrMutatedAnswers() {
        Random random = new Random(9);
        byte[] golden = Vectors.bytes("dns/dnsmasq-answer-github-com-a-ttl0.hex");
        for (int i = 0; i < 20_000; i++) {
            byte[] message;
            if (i % 2 == 0) {
                message = new byte[random.nextInt(80)];
                random.nextBytes(message);
                if (message.length > 2) message[2] |= (byte) 0x80;
            } else {
                message = golden.clone();
                message[random.nextInt(message.length)] = (byte) random.nextInt(256);
            }
            DnsParseStatus status = parse(message);
            assertThat(status).isNotNull();
            assertThat(parser.addressCount()).isBetween(0, DnsAnswerParser.MAX_ADDRESSES);
        }
    }
}
