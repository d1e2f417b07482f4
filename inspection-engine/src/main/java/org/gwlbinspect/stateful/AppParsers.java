package org.gwlbinspect.stateful;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.l7.AppProtocol;
import org.gwlbinspect.l7.AppProtocolDetector;
import org.gwlbinspect.l7.DnsParseStatus;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.l7.HttpParseStatus;
import org.gwlbinspect.l7.HttpRequestParser;
import org.gwlbinspect.l7.TlsClientHelloParser;
import org.gwlbinspect.l7.TlsParseStatus;
import org.gwlbinspect.l7.TlsServerHelloParser;

/**
 * The parsers of one flow's first application message: fed the in-order bytes reassembly releases from the
 * client→server stream, they detect the protocol (Suricata's probing parsers: any port) and parse the message. Every
 * candidate parser sees the same bytes until it rules itself out, so a message split across segments and TLS records
 * parses the same as one in a single packet. A TLS flow then feeds the server→client stream to {@link #serverTls}
 * until the server certificate is read, TLS 1.3 is negotiated (the certificate is encrypted) or the parser gives up
 * ({@link #feedServer}). Pooled ({@link StatefulFlows}): a flow holds a set only until both are done.
 */
final class AppParsers {
    final TlsClientHelloParser tls = new TlsClientHelloParser();
    final HttpRequestParser http = new HttpRequestParser();
    final DnsQueryParser dns = new DnsQueryParser();
    final TlsServerHelloParser serverTls = new TlsServerHelloParser();

    private boolean tlsCandidate;
    private boolean httpCandidate;
    private boolean dnsCandidate;
    private boolean malformed;
    private long bytesSeen;
    private AppLayer detected;
    private boolean done;
    private long serverBytes;
    private boolean serverDone;

    AppParsers() {
        reset();
    }

    void reset() {
        tls.reset();
        http.reset();
        dns.reset();
        tlsCandidate = true;
        httpCandidate = true;
        dnsCandidate = true;
        malformed = false;
        bytesSeen = 0;
        detected = AppLayer.NOT_YET;
        done = false;
        serverTls.reset();
        serverBytes = 0;
        serverDone = false;
    }

    /**
     * Feeds the next in-order bytes of the client's stream. {@code detector} classifies the stream's first bytes (SSH,
     * DNS over TCP on port 53) for protocols whose message this set does not parse.
     */
    void feed(ByteBuf buf, int offset, int length, AppProtocolDetector detector, int srcPort, int dstPort) {
        if (done) return;
        if (bytesSeen == 0) {
            AppProtocol first = detector.detectTcp(buf, offset, length, srcPort, dstPort);
            switch (first) {
                case TLS -> detected = AppLayer.TLS;
                case HTTP -> detected = AppLayer.HTTP;
                case SSH -> {
                    // The banner is the message: ssh.* keywords are not supported, the protocol is what rules need.
                    detected = AppLayer.SSH;
                    done = true;
                }
                case DNS -> detected = AppLayer.DNS;
                default -> {}
            }
            dnsCandidate = srcPort == AppProtocolDetector.DNS_PORT || dstPort == AppProtocolDetector.DNS_PORT;
        }
        bytesSeen += length;
        if (done) return;
        if (tlsCandidate) {
            TlsParseStatus status = tls.feed(buf, offset, length);
            if (status == TlsParseStatus.DONE) {
                finish(AppLayer.TLS);
                return;
            }
            if (status != TlsParseStatus.NEED_MORE) {
                tlsCandidate = false;
                malformed |= status == TlsParseStatus.MALFORMED;
            }
        }
        if (httpCandidate) {
            HttpParseStatus status = http.feed(buf, offset, length);
            if (status == HttpParseStatus.DONE) {
                finish(AppLayer.HTTP);
                return;
            }
            if (status != HttpParseStatus.NEED_MORE) {
                httpCandidate = false;
                malformed |= status == HttpParseStatus.MALFORMED;
            }
        }
        if (dnsCandidate) {
            DnsParseStatus status = dns.feedTcp(buf, offset, length);
            if (status == DnsParseStatus.DONE && !dns.isResponse()) {
                finish(AppLayer.DNS);
                return;
            }
            if (status != DnsParseStatus.NEED_MORE) dnsCandidate = false;
        }
        if (!tlsCandidate && !httpCandidate && !dnsCandidate) {
            // A stream that started like TLS or HTTP and then broke the grammar is "failed" in EVE, as in Suricata.
            AppLayer outcome = malformed && detected != AppLayer.NOT_YET ? AppLayer.FAILED : detected;
            finish(outcome == AppLayer.NOT_YET ? AppLayer.UNKNOWN : outcome);
        }
    }

    private void finish(AppLayer app) {
        detected = app;
        done = true;
    }

    /**
     * Feeds the next in-order bytes of the server's stream, {@code streamOffset} being the position of the first in
     * that stream. The parser needs the stream from its first byte: bytes the server sent before the client's message
     * was done were not kept, so a stream that does not continue where this set stopped ends the parse without a
     * certificate.
     */
    void feedServer(ByteBuf buf, int offset, int length, long streamOffset) {
        if (serverDone) return;
        if (streamOffset != serverBytes) {
            serverDone = true;
            return;
        }
        serverBytes += length;
        serverDone = serverTls.feed(buf, offset, length) != TlsParseStatus.NEED_MORE;
    }

    /** The server's handshake was parsed as far as it goes (certificate, TLS 1.3, or a parse that gave up). */
    boolean serverDone() {
        return serverDone;
    }

    /** The protocol known so far ({@link AppLayer#NOT_YET} while the first bytes do not tell). */
    AppLayer detected() {
        return detected;
    }

    /** The first message is complete (its fields are readable), or the stream is not one this set parses. */
    boolean done() {
        return done;
    }

    /** The TLS ClientHello was parsed: its SNI, JA3 and versions are readable. */
    boolean tlsHelloDone() {
        return done && detected == AppLayer.TLS && tls.status() == TlsParseStatus.DONE;
    }

    boolean httpRequestDone() {
        return done && detected == AppLayer.HTTP && http.status() == HttpParseStatus.DONE;
    }

    boolean dnsQueryDone() {
        return done && detected == AppLayer.DNS && dns.status() == DnsParseStatus.DONE;
    }
}
