package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.gwlbinspect.l7.AppProtocolDetector;
import org.gwlbinspect.l7.DnsParseStatus;
import org.gwlbinspect.l7.HttpParseStatus;
import org.gwlbinspect.l7.TlsParseStatus;
import org.junit.jupiter.api.Test;

/**
 * A pooled parser set resets only the parsers its last flow fed: whatever that flow fed, the next flow finds every
 * parser as a new set has it, and parses its message as a new set would.
 */
class AppParsersTest {
    private static final AppProtocolDetector DETECTOR = new AppProtocolDetector();
    private static final byte[] REQUEST = ascii("GET /a HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
    private static final byte[] TLS_START = Arrays.copyOf(clientHello(), 20); // a ClientHello cut short: NEED_MORE
    private static final byte[] DNS_QUERY = {
        0, 29, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0,
        1, 0, 1
    };

    @Test
    void aSetResetAfterAnyFlowParsesTheNextFlowsMessageAsANewSetDoes() throws Exception {
        byte[][] firstFlows = {clientHello(), REQUEST, TLS_START, DNS_QUERY, ascii("SSH-2.0-x\r\n"), new byte[0]};
        int[] ports = {443, 80, 443, 53, 22, 443};
        for (int i = 0; i < firstFlows.length; i++) {
            for (boolean serverFlight : new boolean[] {false, true}) {
                AppParsers set = new AppParsers();
                set.keepHttpAlive(true);
                if (firstFlows[i].length > 0)
                    set.feed(buf(firstFlows[i]), 0, firstFlows[i].length, DETECTOR, 40000, ports[i]);
                if (serverFlight) set.feedServer(buf(serverHello()), 0, serverHello().length, 0);
                set.reset();

                assertFreshState(set);
                set.feed(buf(REQUEST), 0, REQUEST.length, DETECTOR, 40001, 80);
                assertThat(set.httpRequestDone()).isTrue();
                assertThat(set.http.hasHost()).isTrue();
                assertThat(set.tls.status()).isEqualTo(TlsParseStatus.NOT_TLS);
                set.reset();
                assertFreshState(set);
                byte[] hello = clientHello();
                set.feed(buf(hello), 0, hello.length, DETECTOR, 40002, 443);
                assertThat(set.tlsHelloDone()).isTrue();
                assertThat(set.tls.hasSni()).isTrue();
                set.reset();
                assertFreshState(set);
            }
        }
    }

    /** What a new set reports before any byte: nothing detected, every parser waiting for its first bytes. */
    private static void assertFreshState(AppParsers set) {
        AppParsers fresh = new AppParsers();
        assertThat(set.detected()).isEqualTo(fresh.detected()).isEqualTo(AppLayer.NOT_YET);
        assertThat(set.done()).isFalse();
        assertThat(set.serverDone()).isFalse();
        assertThat(set.tls.status()).isEqualTo(TlsParseStatus.NEED_MORE);
        assertThat(set.tls.hasSni()).isFalse();
        assertThat(set.http.status()).isEqualTo(HttpParseStatus.NEED_MORE);
        assertThat(set.http.heldLength()).isZero();
        assertThat(set.http.hasHost()).isFalse();
        assertThat(set.dns.status()).isEqualTo(DnsParseStatus.NEED_MORE);
        assertThat(set.serverTls.status()).isEqualTo(TlsParseStatus.NEED_MORE);
        assertThat(set.serverTls.negotiatedVersion()).isZero();
        assertThat(set.httpKeepAlive()).isFalse();
        assertThat(set.httpIdle()).isFalse();
    }

    private static byte[] clientHello() {
        return StatefulHarness.clientHello("www.example.com");
    }

    /** A TLS 1.2 ServerHello record: version 0x0303, a zero random, no session ID, cipher 0xC02F, no extensions. */
    private static byte[] serverHello() {
        byte[] hello = new byte[5 + 4 + 38];
        int at = 0;
        for (int b : new int[] {22, 3, 3, 0, 42, 2, 0, 0, 38, 3, 3}) hello[at++] = (byte) b;
        at += 32; // random
        hello[at++] = 0; // session ID length
        hello[at++] = (byte) 0xC0;
        hello[at++] = 0x2F;
        hello[at] = 0; // compression method
        return hello;
    }

    private static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
