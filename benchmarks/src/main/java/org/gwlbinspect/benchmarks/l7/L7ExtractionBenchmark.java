package org.gwlbinspect.benchmarks.l7;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.gwlbinspect.l7.AppProtocolDetector;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.l7.HttpHeaderBuffers;
import org.gwlbinspect.l7.HttpParseStatus;
import org.gwlbinspect.l7.HttpRequestParser;
import org.gwlbinspect.l7.TlsClientHelloParser;
import org.gwlbinspect.l7.TlsParseStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * L7 extraction as the data path runs it once per flow: {@code reset()} a worker-owned parser, feed the first
 * client→server bytes from a direct buffer (as a socket read leaves them), read the sticky buffer. Inputs: the JDK's
 * own TLS 1.3 ClientHello for {@code www.example.com} (whole, and split in two segments inside the SNI), a typical
 * browser GET, the JDK resolver's DNS query. {@link #baselineReadFirstByte} is the floor. Run with {@code -prof gc}:
 * every benchmark must show {@code gc.alloc.rate.norm} ≈ 0 B/op, {@link #ja3Md5} included (its scratch and digest are
 * allocated once per parser instance, during warm-up); {@link #writeJa3String} and {@link #writeHttpHeaderBuffers}
 * write into arrays the caller owns.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class L7ExtractionBenchmark {
    private static final String REQUEST = "GET /search?q=gwlb&ie=UTF-8 HTTP/1.1\r\n"
            + "Host: WWW.Example.COM:8080\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n\r\n";
    private static final byte[] DNS_QUERY = {
        (byte) 0xa4,
        0x0b,
        0x01,
        0x00,
        0x00,
        0x01,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00, // header
        0x03,
        'w',
        'w',
        'w',
        0x07,
        'E',
        'x',
        'a',
        'm',
        'p',
        'l',
        'e',
        0x03,
        'c',
        'o',
        'm',
        0x00, // QNAME
        0x00,
        0x01,
        0x00,
        0x01 // A, IN
    };

    private final TlsClientHelloParser tls = new TlsClientHelloParser();
    private final HttpRequestParser http = new HttpRequestParser();
    private final DnsQueryParser dns = new DnsQueryParser();
    private final AppProtocolDetector detector = new AppProtocolDetector();
    private final byte[] md5 = new byte[16];
    private final byte[] ja3 = new byte[TlsClientHelloParser.ja3MaxLength(TlsClientHelloParser.DEFAULT_CAPACITY)];
    private final HttpHeaderBuffers headers = new HttpHeaderBuffers(HttpRequestParser.DEFAULT_CAPACITY);

    private ByteBuf clientHello;
    private int clientHelloLength;
    private int sniSplit;
    private ByteBuf request;
    private ByteBuf dnsQuery;

    @Setup(Level.Trial)
    public void buildInputs() throws Exception {
        byte[] hello = javaClientHello("www.example.com");
        clientHello = direct(hello);
        clientHelloLength = hello.length;
        sniSplit = indexOf(hello, "example".getBytes(StandardCharsets.US_ASCII));
        request = direct(REQUEST.getBytes(StandardCharsets.US_ASCII));
        dnsQuery = direct(DNS_QUERY);
        if (extractSni() != 15 || extractSniSplitAcrossSegments() != 15 || extractHttpHost() != 15) {
            throw new IllegalStateException("benchmark inputs do not parse");
        }
    }

    @TearDown(Level.Trial)
    public void releaseInputs() {
        clientHello.release();
        request.release();
        dnsQuery.release();
    }

    /** Floor: one bounds-checked read from the same direct buffer. */
    @Benchmark
    public int baselineReadFirstByte() {
        return clientHello.getUnsignedByte(0);
    }

    /** tls.sni from a ClientHello that arrived in one segment. */
    @Benchmark
    public int extractSni() {
        tls.reset();
        if (tls.feed(clientHello, 0, clientHelloLength) != TlsParseStatus.DONE) {
            return -1;
        }
        return tls.sniLength();
    }

    /** tls.sni from the same ClientHello cut in two segments inside the server name. */
    @Benchmark
    public int extractSniSplitAcrossSegments() {
        tls.reset();
        tls.feed(clientHello, 0, sniSplit);
        if (tls.feed(clientHello, sniSplit, clientHelloLength - sniSplit) != TlsParseStatus.DONE) {
            return -1;
        }
        return tls.sniLength();
    }

    /** ja3.hash of a parsed ClientHello (JA3 string written into the parser's scratch, then MD5). */
    @Benchmark
    public int ja3Md5() {
        tls.reset();
        tls.feed(clientHello, 0, clientHelloLength);
        return tls.ja3Md5(md5) ? md5[0] : -1;
    }

    /** ja3.string of a parsed ClientHello, written into a worker-owned array (as the stateful engine does). */
    @Benchmark
    public int writeJa3String() {
        tls.reset();
        tls.feed(clientHello, 0, clientHelloLength);
        return tls.writeJa3(ja3);
    }

    /** http.header and the http.request_header instances of the same GET, into worker-owned arrays. */
    @Benchmark
    public int writeHttpHeaderBuffers() {
        http.reset();
        http.feed(request, 0, request.readableBytes());
        return http.writeHeaderBuffers(headers) ? headers.headerLength() : -1;
    }

    /** http.host (and header names, URI) from a browser-like GET in one segment. */
    @Benchmark
    public int extractHttpHost() {
        http.reset();
        if (http.feed(request, 0, request.readableBytes()) != HttpParseStatus.DONE) {
            return -1;
        }
        return http.hostLength();
    }

    /** dns.query from one UDP datagram. */
    @Benchmark
    public int extractDnsQuery() {
        dns.parseDatagram(dnsQuery, 0, DNS_QUERY.length);
        return dns.queryLength();
    }

    /** Protocol detection of the ClientHello's first bytes on a non-standard port. */
    @Benchmark
    public Object detectTls() {
        return detector.detectTcp(clientHello, 0, clientHelloLength, 40000, 8443);
    }

    private static ByteBuf direct(byte[] bytes) {
        ByteBuf buf = Unpooled.directBuffer(bytes.length);
        buf.writeBytes(bytes);
        return buf;
    }

    private static byte[] javaClientHello(String sni) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = context.createSSLEngine(sni, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalStateException("needle not found");
    }
}
