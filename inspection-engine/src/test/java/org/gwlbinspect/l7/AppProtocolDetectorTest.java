package org.gwlbinspect.l7;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;
import static org.gwlbinspect.l7.TlsMessages.bytes;
import static org.gwlbinspect.l7.TlsMessages.concat;
import static org.gwlbinspect.l7.TlsMessages.u16;

import java.util.Arrays;
import java.util.Random;
import org.gwlbinspect.codec.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppProtocolDetectorTest {

    private final AppProtocolDetector detector = new AppProtocolDetector();

    private AppProtocol tcp(byte[] bytes, int dstPort) {
        return detector.detectTcp(buf(bytes), 0, bytes.length, 40000, dstPort);
    }

    private AppProtocol udp(byte[] bytes, int dstPort) {
        return detector.detectUdp(buf(bytes), 0, bytes.length, 40000, dstPort);
    }

    @Test
    void detectsTlsOnAnyPortFromTheRecordHeader() {
        byte[] hello = Vectors.bytes("tls/openssl-client-hello-x-example.hex");

        assertThat(tcp(hello, 443)).isEqualTo(AppProtocol.TLS);
        assertThat(tcp(hello, 8443)).isEqualTo(AppProtocol.TLS);
        assertThat(tcp(Arrays.copyOf(hello, 3), 80)).isEqualTo(AppProtocol.TLS);
        assertThat(AppProtocol.TLS.label()).isEqualTo("tls");
    }

    @Test
    void waitsForTheThirdByteOfAPossibleTlsRecord() {
        assertThat(tcp(bytes(0x16), 443)).isEqualTo(AppProtocol.NEED_MORE);
        assertThat(tcp(bytes(0x16, 0x03), 443)).isEqualTo(AppProtocol.NEED_MORE);
        assertThat(tcp(bytes(0x16, 0x02), 443)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(tcp(bytes(0x16, 0x03, 0x05), 443)).isEqualTo(AppProtocol.UNKNOWN);
    }

    @Test
    void leavesSslv2HellosUnknown() {
        assertThat(tcp(bytes(0x80, 0x2e, 0x01, 0x03, 0x01), 443)).isEqualTo(AppProtocol.UNKNOWN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH ", "TRACE "})
    void detectsHttpByItsMethodOnAnyPort(String method) {
        assertThat(tcp((method + "/ HTTP/1.1\r\n").getBytes(US_ASCII), 8080)).isEqualTo(AppProtocol.HTTP);
        assertThat(tcp(method.substring(0, method.length() - 1).getBytes(US_ASCII), 8080))
                .isEqualTo(AppProtocol.NEED_MORE);
    }

    @Test
    void detectsAnHttpResponse() {
        assertThat(tcp("HTTP/1.1 200 OK\r\n".getBytes(US_ASCII), 80)).isEqualTo(AppProtocol.HTTP);
    }

    @Test
    void treatsMethodsCaseSensitively() {
        assertThat(tcp("get / HTTP/1.1\r\n".getBytes(US_ASCII), 80)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(tcp("GETX / HTTP/1.1\r\n".getBytes(US_ASCII), 80)).isEqualTo(AppProtocol.UNKNOWN);
    }

    @Test
    void detectsSshByItsBanner() {
        assertThat(tcp("SSH-2.0-OpenSSH_9.6\r\n".getBytes(US_ASCII), 2222)).isEqualTo(AppProtocol.SSH);
        assertThat(tcp("SS".getBytes(US_ASCII), 22)).isEqualTo(AppProtocol.NEED_MORE);
    }

    @Test
    void needsAtLeastOneByte() {
        assertThat(tcp(new byte[0], 80)).isEqualTo(AppProtocol.NEED_MORE);
    }

    @Test
    void detectsDnsOverTcpOnlyOnPort53() {
        byte[] query = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        byte[] stream = concat(u16(query.length), query);

        assertThat(tcp(stream, 53)).isEqualTo(AppProtocol.DNS);
        assertThat(tcp(Arrays.copyOf(stream, 20), 53)).isEqualTo(AppProtocol.NEED_MORE);
        assertThat(tcp(stream, 8053)).isEqualTo(AppProtocol.UNKNOWN);
    }

    @Test
    void detectsDnsOverUdpOnPort53AndPlainQueriesElsewhere() {
        byte[] jdk = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        byte[] dig = Vectors.bytes("dns/dig-like-query-example-org-aaaa-edns.hex");

        assertThat(udp(jdk, 53)).isEqualTo(AppProtocol.DNS);
        assertThat(udp(jdk, 5353)).isEqualTo(AppProtocol.DNS);
        assertThat(udp(dig, 5300)).isEqualTo(AppProtocol.DNS);
        assertThat(detector.detectUdp(buf(jdk), 0, jdk.length, 53, 40000)).isEqualTo(AppProtocol.DNS);
    }

    @Test
    void isConservativeAboutDnsAwayFromPort53() {
        byte[] trailing = concat(Vectors.bytes("dns/jdk-query-www-example-com.hex"), bytes(0));
        byte[] response = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        response[2] |= (byte) 0x80;
        byte[] badOpt = Vectors.bytes("dns/dig-like-query-example-org-aaaa-edns.hex");
        badOpt[badOpt.length - 13] = 13; // OPT RDLENGTH no longer matches the datagram

        assertThat(udp(trailing, 53)).isEqualTo(AppProtocol.DNS);
        assertThat(udp(trailing, 9999)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(udp(response, 53)).isEqualTo(AppProtocol.DNS);
        assertThat(udp(response, 9999)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(udp(badOpt, 9999)).isEqualTo(AppProtocol.UNKNOWN);
    }

    @Test
    void rejectsDnsHeadersWithTheZBitOrTwoQuestions() {
        byte[] z = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        z[3] |= 0x40;
        byte[] two = Vectors.bytes("dns/jdk-query-www-example-com.hex");
        two[5] = 2;

        assertThat(udp(z, 53)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(udp(two, 53)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(udp("GET / HTTP/1.1\r\n".getBytes(US_ASCII), 53)).isEqualTo(AppProtocol.UNKNOWN);
    }

    @Test
    void neverThrowsOnRandomBytes() {
        Random random = new Random(5);
        int dns = 0;
        for (int round = 0; round < 20000; round++) {
            byte[] input = new byte[random.nextInt(64)];
            random.nextBytes(input);
            tcp(input, random.nextBoolean() ? 53 : 443);
            if (udp(input, 9999) == AppProtocol.DNS) {
                dns++;
            }
        }
        assertThat(dns).as("random datagrams taken for DNS away from port 53").isZero();
    }
}
