package org.gwlbinspect.stateful;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.buffer.ByteBufs;
import org.gwlbinspect.l7.AppProtocol;
import org.gwlbinspect.l7.AppProtocolDetector;
import org.gwlbinspect.l7.DnsParseStatus;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.l7.HttpBodySkipper;
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

    // HTTP keep-alive (issue #4): after a request, its body is skipped by its framing and the next request parsed.
    private final HttpBodySkipper body = new HttpBodySkipper();
    /**
     * Bytes after the current request's body, kept until the request was inspected, and its twin; allocated on the
     * set's first keep-alive request (then kept with the pooled set), so policies without HTTP rules do not pay.
     */
    private byte[] backlog;

    private byte[] spare;
    private byte[] incoming;
    private int backlogLength;
    /** Parse the requests after the first (the policy has HTTP rules). */
    private boolean keepAlive;
    /** The current request was inspected: the bytes after its body are the next request's. */
    private boolean consumed;
    /** The connection's framing could not be followed (or a request did not fit): no later request is parsed. */
    private boolean httpStopped;

    // The parsers fed since the last reset(): only those are reset. Each parser is an object of its own, and a set
    // comes out of the pool cold, so resetting all four (and the body skipper) cost a cache miss each per new flow,
    // 2-4 % of a TLS replay, for parsers most flows never feed (a TLS flow whose ClientHello fits one segment feeds
    // only the two TLS parsers). A parser whose bit is clear is in its reset state.
    private static final int FED_TLS = 1;
    // the request parser and the body skipper: set where feed() first gives the request parser bytes; the keep-alive
    // paths (requestDone, absorb, nextHttpRequest) only ever follow that
    private static final int FED_HTTP = 1 << 1;
    private static final int FED_DNS = 1 << 2;
    private static final int FED_SERVER_TLS = 1 << 3;
    private static final int FED_ALL = FED_TLS | FED_HTTP | FED_DNS | FED_SERVER_TLS;
    private int fed = FED_ALL;

    AppParsers() {
        reset();
    }

    void reset() {
        int wasFed = fed;
        fed = 0;
        if ((wasFed & FED_TLS) != 0) tls.reset();
        if ((wasFed & FED_HTTP) != 0) {
            http.reset();
            body.reset();
        }
        if ((wasFed & FED_DNS) != 0) dns.reset();
        if ((wasFed & FED_SERVER_TLS) != 0) serverTls.reset();
        tlsCandidate = true;
        httpCandidate = true;
        dnsCandidate = true;
        malformed = false;
        bytesSeen = 0;
        detected = AppLayer.NOT_YET;
        done = false;
        serverBytes = 0;
        serverDone = false;
        backlogLength = 0;
        keepAlive = false;
        consumed = false;
        httpStopped = false;
    }

    /** Whether to parse the requests after the first one of an HTTP connection. Call after {@link #reset}. */
    void keepHttpAlive(boolean on) {
        keepAlive = on;
    }

    /**
     * Prepares a fresh set for the later requests of an HTTP connection whose previous set went back to the pool
     * between requests: the next bytes start a request.
     */
    void continueHttp() {
        reset();
        allocateKeepAliveBuffers();
        keepAlive = true;
        consumed = true;
        detected = AppLayer.HTTP;
        tlsCandidate = false;
        dnsCandidate = false;
        bytesSeen = 1; // no protocol detection: the connection is HTTP
    }

    private void allocateKeepAliveBuffers() {
        if (backlog != null) return;
        backlog = new byte[HttpRequestParser.DEFAULT_CAPACITY];
        spare = new byte[HttpRequestParser.DEFAULT_CAPACITY];
        incoming = new byte[4096];
    }

    /** This set parses the requests of an HTTP keep-alive connection after the current one. */
    boolean httpKeepAlive() {
        return keepAlive && detected == AppLayer.HTTP && !httpStopped;
    }

    /**
     * The current request was inspected: go on with the next one. Returns true when the bytes already received hold
     * the next request's whole header block (parsed now: inspect it too); false when more bytes are needed.
     */
    boolean nextHttpRequest() {
        if (!httpKeepAlive() || !done) return false;
        consumed = true;
        done = false;
        http.reset();
        if (!body.done()) return false; // the body goes on: absorb() starts the next request where it ends
        int n = backlogLength;
        backlogLength = 0;
        byte[] held = backlog;
        backlog = spare; // requests parsed from the held bytes may leave bytes of their own
        spare = held;
        absorb(held, 0, n);
        return done;
    }

    /** Nothing of the connection's next request has arrived: the set may go back to the pool until it does. */
    boolean httpIdle() {
        return httpKeepAlive() && consumed && !done && body.done() && backlogLength == 0 && http.heldLength() == 0;
    }

    /** The connection's later requests can no longer be parsed (framing not followed, too large). */
    boolean httpStopped() {
        return keepAlive && httpStopped;
    }

    private void absorb(ByteBuf buf, int offset, int length) {
        while (length > 0 && !httpStopped) {
            // Body bytes of a known length are only counted: no copy out of the packet for them.
            int skipped = body.skipUnread(length);
            if (skipped > 0) {
                offset += skipped;
                length -= skipped;
                continue;
            }
            int n = Math.min(length, incoming.length);
            ByteBufs.copy(buf, offset, incoming, 0, n);
            absorb(incoming, 0, n);
            offset += n;
            length -= n;
        }
    }

    /** Bytes after a parsed request: its body, then the next request (kept, or parsed once the current one was seen). */
    private void absorb(byte[] src, int offset, int length) {
        while (length > 0 && !httpStopped) {
            if (!body.done()) {
                int k = body.skip(src, offset, length);
                offset += k;
                length -= k;
                if (body.failed()) httpStopped = true;
                continue;
            }
            if (done || !consumed) {
                // a complete request awaits inspection: keep what follows it
                if (length > backlog.length - backlogLength) {
                    httpStopped = true; // more pipelined bytes than a request may hold
                    return;
                }
                System.arraycopy(src, offset, backlog, backlogLength, length);
                backlogLength += length;
                return;
            }
            int held = http.heldLength();
            HttpParseStatus status = http.feed(src, offset, length);
            int taken = http.heldLength() - held;
            if (status == HttpParseStatus.NEED_MORE) return;
            if (status != HttpParseStatus.DONE) {
                httpStopped = true; // not HTTP, malformed or too large: libhtp gives up on the connection too
                return;
            }
            offset += taken;
            length -= taken;
            requestDone();
        }
    }

    /** The request in {@link #http} is complete: read its framing, then handle the bytes after its header block. */
    private void requestDone() {
        allocateKeepAliveBuffers();
        done = true;
        consumed = false;
        body.start(http);
        if (body.failed()) {
            httpStopped = true;
            return;
        }
        int from = http.headerBlockLength();
        int after = http.heldLength() - from;
        if (after > 0) absorb(http.buffer(), from, after);
    }

    /**
     * Feeds the next in-order bytes of the client's stream. {@code detector} classifies the stream's first bytes (SSH,
     * DNS over TCP on port 53) for protocols whose message this set does not parse.
     */
    void feed(ByteBuf buf, int offset, int length, AppProtocolDetector detector, int srcPort, int dstPort) {
        if (keepAlive && detected == AppLayer.HTTP && (done || consumed)) {
            absorb(buf, offset, length); // a keep-alive connection's bytes after its first request
            return;
        }
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
            fed |= FED_TLS;
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
            fed |= FED_HTTP;
            int held = http.heldLength();
            HttpParseStatus status = http.feed(buf, offset, length);
            if (status == HttpParseStatus.DONE) {
                finish(AppLayer.HTTP);
                if (keepAlive) {
                    int taken = http.heldLength() - held;
                    requestDone();
                    if (taken < length) absorb(buf, offset + taken, length - taken);
                }
                return;
            }
            if (status != HttpParseStatus.NEED_MORE) {
                httpCandidate = false;
                malformed |= status == HttpParseStatus.MALFORMED;
            }
        }
        if (dnsCandidate) {
            fed |= FED_DNS;
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
        fed |= FED_SERVER_TLS;
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
