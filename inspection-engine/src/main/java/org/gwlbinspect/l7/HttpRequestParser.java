package org.gwlbinspect.l7;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.gwlbinspect.buffer.ByteBufs;

/**
 * Incremental parser of an HTTP/1.x request header block (RFC 9112 §2-§5), fed with the in-order client→server bytes
 * of one TCP direction, producing the buffers NFW's HTTP rules inspect as Suricata (libhtp) builds them.
 *
 * <p><b>Buffers</b> (policy.md §3.5):
 *
 * <ul>
 *   <li>{@code http.host} ({@link #host()}): the host of an absolute request-target ({@code http://Host:port/...}, or
 *       the authority-form target of CONNECT) if there is one, else the Host header. Whitespace trimmed, port removed
 *       (everything from the first colon; an IPv6 literal keeps its brackets), ASCII lowercased (not inside IPv6
 *       brackets, as libhtp). Trailing dots are removed only from a request-target host; a Host header keeps them.
 *       Absent without both, or when the Host value is empty or has an unclosed {@code [}.
 *   <li>{@code http.host.raw} ({@link #hostRawOffset()}): the request-target's host as sent (no port, userinfo
 *       removed), else the trimmed Host header value as sent, port included.
 *   <li>{@code http.header_names} ({@link #headerNames()}): {@code \r\n}, then each distinct header name as sent
 *       followed by {@code \r\n} (a repeated name, compared ignoring case, appears once, where it first appeared, as
 *       libhtp merges repeated headers), then a final {@code \r\n}: {@code "\r\nHost\r\nAccept\r\n\r\n"}. Empty (absent)
 *       when the request has no headers, so NFW's allowlist drop rule ({@code content:"|0d 0a|"; startswith;}) fires
 *       on every request with at least one header.
 *   <li>{@code http.uri} ({@link #normalizedUri()}): path, query and fragment of the request-target (scheme and
 *       authority dropped), with the path percent-decoded ({@code %XX} with two hex digits; other {@code %} left as
 *       is) and dot segments removed (RFC 3986 §5.2.4); query and fragment as sent. Deliberately simpler than libhtp's
 *       configurable normalisation (no UTF-8/IIS decoding, no separator compression). {@code http.uri.raw} is {@link
 *       #uriOffset()}.
 *   <li>{@code http.header} and {@code http.request_header} ({@link #writeHeaderBuffers}, into a {@link
 *       HttpHeaderBuffers}): {@code name: value} per header as libhtp's header table holds them (repeats merged),
 *       {@code http.header} without Cookie; {@link #copyRequestHeader} copies one header line as sent.
 *   <li>{@code http.method}, {@code http.protocol}, {@code http.user_agent} (first User-Agent), {@code
 *       http.request_line}: offsets into {@link #buffer()}.
 * </ul>
 *
 * <p><b>Parsing</b>: leading empty lines are skipped (RFC 9112 §2.2); lines end in LF with an optional CR; the method
 * must be a token of at most {@value #MAX_METHOD_LENGTH} chars followed by a space, and the line must end in a version
 * starting {@code HTTP/}, otherwise {@link HttpParseStatus#NOT_HTTP} (so HTTP/0.9 simple requests are not HTTP here).
 * Header values are trimmed of spaces and tabs; a folded line (starting with SP/HT) extends the previous value. One request
 * is parsed at a time: {@link #headerBlockLength()} is where its body, or the next request, starts; the caller skips
 * the body and feeds the next request to a {@link #reset} parser.
 *
 * <p><b>Bounds</b>: one preallocated buffer of {@code capacityBytes} (default {@value #DEFAULT_CAPACITY}) for the
 * header block, three more of the same size for the host, URI and header-names buffers, at most {@value #MAX_HEADERS}
 * header lines. Nothing is allocated after construction except by the {@code ...AsString()} accessors. Never throws on
 * any input bytes.
 */
public final class HttpRequestParser {
    public static final int DEFAULT_CAPACITY = 16 * 1024;
    public static final int MAX_HEADERS = 128;
    public static final int MAX_METHOD_LENGTH = 32;

    private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] HOST = {'h', 'o', 's', 't'};
    private static final byte[] USER_AGENT = {'u', 's', 'e', 'r', '-', 'a', 'g', 'e', 'n', 't'};
    private static final byte[] CONNECT = {'C', 'O', 'N', 'N', 'E', 'C', 'T'};
    private static final byte[] COOKIE = {'c', 'o', 'o', 'k', 'i', 'e'};
    private static final byte[] CONTENT_LENGTH = {'c', 'o', 'n', 't', 'e', 'n', 't', '-', 'l', 'e', 'n', 'g', 't', 'h'};

    private final byte[] buffer;
    private final byte[] host;
    private final byte[] normalizedUri;
    private final byte[] headerNames;
    private final int[] nameOffsets = new int[MAX_HEADERS];
    private final int[] nameLengths = new int[MAX_HEADERS];
    private final int[] valueOffsets = new int[MAX_HEADERS];
    private final int[] valueLengths = new int[MAX_HEADERS];

    private HttpParseStatus status;
    private HttpMalformedReason reason;
    private int length;
    private int scan;
    private int lineStart;
    private int requestLineStart;
    private boolean methodChecked;
    private int requestLineLength;
    private int headerBlockLength;
    private int methodOffset;
    private int methodLength;
    private int uriOffset;
    private int uriLength;
    private int protocolOffset;
    private int protocolLength;
    private int headerCount;
    private int hostHeader;
    private int userAgentHeader;
    private int hostLength;
    private boolean hostPresent;
    private boolean hostFromUri;
    private int hostRawOffset;
    private int hostRawLength;
    private int normalizedUriLength;
    private int headerNamesLength;

    public HttpRequestParser() {
        this(DEFAULT_CAPACITY);
    }

    public HttpRequestParser(int capacityBytes) {
        if (capacityBytes < 64) {
            throw new IllegalArgumentException("capacityBytes must be at least 64, got " + capacityBytes);
        }
        buffer = new byte[capacityBytes];
        host = new byte[capacityBytes];
        normalizedUri = new byte[capacityBytes];
        headerNames = new byte[capacityBytes + 4];
        reset();
    }

    public void reset() {
        status = HttpParseStatus.NEED_MORE;
        reason = HttpMalformedReason.NONE;
        length = 0;
        scan = 0;
        lineStart = 0;
        requestLineStart = -1;
        methodChecked = false;
        requestLineLength = 0;
        headerBlockLength = -1;
        methodOffset = -1;
        methodLength = 0;
        uriOffset = -1;
        uriLength = 0;
        protocolOffset = -1;
        protocolLength = 0;
        headerCount = 0;
        hostHeader = -1;
        userAgentHeader = -1;
        hostLength = 0;
        hostPresent = false;
        hostFromUri = false;
        hostRawOffset = -1;
        hostRawLength = 0;
        normalizedUriLength = 0;
        headerNamesLength = 0;
    }

    /**
     * Feeds the next in-order client→server bytes ({@code length} bytes at absolute index {@code offset}; the reader
     * index is not moved). Returns {@link HttpParseStatus#NEED_MORE} until the header block is complete.
     */
    public HttpParseStatus feed(ByteBuf buf, int offset, int length) {
        if (status != HttpParseStatus.NEED_MORE || length <= 0) {
            return status;
        }
        int n = Math.min(length, buffer.length - this.length);
        ByteBufs.copy(buf, offset, buffer, this.length, n);
        this.length += n;
        return scanFed();
    }

    /** {@link #feed(ByteBuf, int, int)} from an array (the bytes a connection sent after its previous request). */
    public HttpParseStatus feed(byte[] src, int offset, int length) {
        if (status != HttpParseStatus.NEED_MORE || length <= 0) {
            return status;
        }
        int n = Math.min(length, buffer.length - this.length);
        System.arraycopy(src, offset, buffer, this.length, n);
        this.length += n;
        return scanFed();
    }

    /**
     * Bytes fed and kept so far, at most the capacity: once the header block is complete, those after {@link
     * #headerBlockLength()} are the start of the body or of the next request.
     */
    public int heldLength() {
        return length;
    }

    private HttpParseStatus scanFed() {
        for (; scan < this.length; scan++) {
            byte c = buffer[scan];
            if (requestLineStart < 0) {
                if (c == '\r' || c == '\n') {
                    continue; // RFC 9112 §2.2: empty lines before the request-line are ignored
                }
                requestLineStart = scan;
                lineStart = scan;
            }
            if (c != '\n') {
                continue;
            }
            boolean emptyLine = scan == lineStart || (scan == lineStart + 1 && buffer[lineStart] == '\r');
            if (lineStart == requestLineStart) {
                HttpParseStatus requestLine = readRequestLine(lineStart, scan);
                if (requestLine != HttpParseStatus.NEED_MORE) {
                    return requestLine;
                }
            } else if (emptyLine) {
                headerBlockLength = scan + 1;
                return readHeaders();
            }
            lineStart = scan + 1;
        }
        if (!methodChecked && requestLineStart >= 0 && lineStart == requestLineStart && !methodPrefixValid()) {
            return status = HttpParseStatus.NOT_HTTP;
        }
        if (this.length == buffer.length) {
            return status = HttpParseStatus.TOO_LARGE;
        }
        return HttpParseStatus.NEED_MORE;
    }

    /** Before the request line is complete: are the bytes so far a plausible method followed by a space? */
    private boolean methodPrefixValid() {
        int limit = Math.min(length, requestLineStart + MAX_METHOD_LENGTH + 1);
        for (int i = requestLineStart; i < limit; i++) {
            byte c = buffer[i];
            if (c == ' ') {
                methodChecked = i > requestLineStart;
                return methodChecked;
            }
            if (!isToken(c)) {
                return false;
            }
        }
        return limit - requestLineStart <= MAX_METHOD_LENGTH;
    }

    private HttpParseStatus readRequestLine(int start, int lf) {
        int end = trimEnd(start, lf);
        int sp = start;
        while (sp < end && buffer[sp] != ' ') {
            if (!isToken(buffer[sp])) {
                return status = HttpParseStatus.NOT_HTTP;
            }
            sp++;
        }
        if (sp == start || sp == end || sp - start > MAX_METHOD_LENGTH) {
            return status = HttpParseStatus.NOT_HTTP;
        }
        int lastSp = end - 1;
        while (lastSp > sp && buffer[lastSp] != ' ' && buffer[lastSp] != '\t') {
            lastSp--;
        }
        int versionStart = lastSp + 1;
        if (lastSp == sp && versionStart < end && isHttpVersion(versionStart, end)) {
            // "GET HTTP/1.1": the only space separates method and version
            return malformed(HttpMalformedReason.REQUEST_TARGET_EMPTY);
        }
        if (lastSp == sp || !isHttpVersion(versionStart, end)) {
            return status = HttpParseStatus.NOT_HTTP;
        }
        int targetStart = sp;
        while (targetStart < lastSp && (buffer[targetStart] == ' ' || buffer[targetStart] == '\t')) {
            targetStart++;
        }
        int targetEnd = trimEnd(targetStart, lastSp);
        if (targetEnd == targetStart) {
            return malformed(HttpMalformedReason.REQUEST_TARGET_EMPTY);
        }
        methodOffset = start;
        methodLength = sp - start;
        uriOffset = targetStart;
        uriLength = targetEnd - targetStart;
        protocolOffset = versionStart;
        protocolLength = end - versionStart;
        requestLineLength = end - start;
        methodChecked = true;
        return HttpParseStatus.NEED_MORE;
    }

    private boolean isHttpVersion(int start, int end) {
        return end - start > HTTP_SLASH.length && Octets.equals(buffer, start, HTTP_SLASH.length, HTTP_SLASH);
    }

    private HttpParseStatus malformed(HttpMalformedReason why) {
        reason = why;
        return status = HttpParseStatus.MALFORMED;
    }

    private HttpParseStatus readHeaders() {
        int p = requestLineStart;
        while (buffer[p] != '\n') {
            p++;
        }
        p++;
        while (true) {
            int lf = p;
            while (buffer[lf] != '\n') {
                lf++;
            }
            int end = lf > p && buffer[lf - 1] == '\r' ? lf - 1 : lf;
            if (end == p) {
                break;
            }
            byte first = buffer[p];
            if (first == ' ' || first == '\t') {
                if (headerCount == 0) {
                    return malformed(HttpMalformedReason.HEADER_FOLDING_AT_START);
                }
                int last = headerCount - 1;
                if (last == hostHeader) {
                    return malformed(HttpMalformedReason.HOST_FOLDED);
                }
                // obs-fold: the value runs on over the line break; kept as sent
                int valueEnd = trimEnd(p, end);
                if (valueLengths[last] == 0) {
                    int s = p;
                    while (s < valueEnd && (buffer[s] == ' ' || buffer[s] == '\t')) {
                        s++;
                    }
                    valueOffsets[last] = s;
                }
                valueLengths[last] = Math.max(valueLengths[last], valueEnd - valueOffsets[last]);
            } else {
                HttpParseStatus header = readHeaderLine(p, end);
                if (header != HttpParseStatus.NEED_MORE) {
                    return header;
                }
            }
            p = lf + 1;
        }
        buildHeaderNames();
        resolveHost();
        normalizeUri();
        return status = HttpParseStatus.DONE;
    }

    private HttpParseStatus readHeaderLine(int start, int end) {
        int colon = start;
        while (colon < end && buffer[colon] != ':') {
            colon++;
        }
        if (colon == end) {
            return malformed(HttpMalformedReason.HEADER_WITHOUT_COLON);
        }
        int nameEnd = trimEnd(start, colon); // libhtp tolerates "Name :" and drops the space
        if (nameEnd == start) {
            return malformed(HttpMalformedReason.HEADER_NAME_EMPTY);
        }
        if (headerCount == MAX_HEADERS) {
            return status = HttpParseStatus.TOO_LARGE;
        }
        int valueStart = colon + 1;
        while (valueStart < end && (buffer[valueStart] == ' ' || buffer[valueStart] == '\t')) {
            valueStart++;
        }
        int valueEnd = trimEnd(valueStart, end);
        int i = headerCount++;
        nameOffsets[i] = start;
        nameLengths[i] = nameEnd - start;
        valueOffsets[i] = valueStart;
        valueLengths[i] = valueEnd - valueStart;
        if (Octets.equalsIgnoreAsciiCase(buffer, start, nameEnd - start, HOST)) {
            if (hostHeader >= 0) {
                return malformed(HttpMalformedReason.HOST_DUPLICATE);
            }
            hostHeader = i;
        } else if (userAgentHeader < 0 && Octets.equalsIgnoreAsciiCase(buffer, start, nameEnd - start, USER_AGENT)) {
            userAgentHeader = i;
        }
        return HttpParseStatus.NEED_MORE;
    }

    private int trimEnd(int start, int end) {
        while (end > start && (buffer[end - 1] == ' ' || buffer[end - 1] == '\t' || buffer[end - 1] == '\r')) {
            end--;
        }
        return end;
    }

    private void buildHeaderNames() {
        if (headerCount == 0) {
            return;
        }
        int pos = 0;
        headerNames[pos++] = '\r';
        headerNames[pos++] = '\n';
        for (int i = 0; i < headerCount; i++) {
            if (repeatsEarlierName(i)) {
                continue;
            }
            System.arraycopy(buffer, nameOffsets[i], headerNames, pos, nameLengths[i]);
            pos += nameLengths[i];
            headerNames[pos++] = '\r';
            headerNames[pos++] = '\n';
        }
        headerNames[pos++] = '\r';
        headerNames[pos++] = '\n';
        headerNamesLength = pos;
    }

    private boolean repeatsEarlierName(int i) {
        for (int j = 0; j < i; j++) {
            if (sameName(i, j)) {
                return true;
            }
        }
        return false;
    }

    /** Headers {@code i} and {@code j} have the same name, ignoring ASCII case. */
    private boolean sameName(int i, int j) {
        if (nameLengths[j] != nameLengths[i]) {
            return false;
        }
        for (int k = 0; k < nameLengths[i]; k++) {
            if (Octets.toLowerAscii(buffer[nameOffsets[j] + k]) != Octets.toLowerAscii(buffer[nameOffsets[i] + k])) {
                return false;
            }
        }
        return true;
    }

    /** Authority of the request-target as [start, end), or -1 in {@code authorityEnd} when it has none. */
    private int authorityStart;

    private int authorityEnd;

    private void findAuthority() {
        authorityStart = -1;
        authorityEnd = -1;
        int end = uriOffset + uriLength;
        // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" for an authority
        int p = uriOffset;
        if (p < end && isAlpha(buffer[p])) {
            while (p < end
                    && (isAlpha(buffer[p])
                            || isDigit(buffer[p])
                            || buffer[p] == '+'
                            || buffer[p] == '-'
                            || buffer[p] == '.')) {
                p++;
            }
            if (end - p >= 3 && buffer[p] == ':' && buffer[p + 1] == '/' && buffer[p + 2] == '/') {
                authorityStart = p + 3;
                int a = authorityStart;
                while (a < end && buffer[a] != '/' && buffer[a] != '?' && buffer[a] != '#') {
                    a++;
                }
                authorityEnd = a;
                return;
            }
        }
        if (methodLength == CONNECT.length && Octets.equals(buffer, methodOffset, methodLength, CONNECT)) {
            authorityStart = uriOffset; // RFC 9112 §3.2.3: authority-form, host:port
            authorityEnd = end;
        }
    }

    private void resolveHost() {
        findAuthority();
        if (authorityStart >= 0) {
            int start = authorityStart;
            for (int i = authorityStart; i < authorityEnd; i++) {
                if (buffer[i] == '@') {
                    start = i + 1; // userinfo@host
                }
            }
            int hostEnd = hostEnd(start, authorityEnd);
            if (hostEnd > start) {
                hostFromUri = true;
                hostRawOffset = start;
                hostRawLength = hostEnd - start;
                copyHost(start, hostEnd);
                while (hostLength > 0 && host[hostLength - 1] == '.') {
                    hostLength--; // libhtp normalises a URI hostname by dropping trailing dots
                }
                hostPresent = true;
                return;
            }
        }
        if (hostHeader >= 0) {
            int start = valueOffsets[hostHeader];
            int end = start + valueLengths[hostHeader];
            hostRawOffset = start;
            hostRawLength = end - start;
            int hostEnd = hostEnd(start, end);
            if (hostEnd > start) {
                copyHost(start, hostEnd);
                hostPresent = true;
            }
        }
    }

    /** End of the host in host[:port], trailing whitespace trimmed; {@code start} when there is no usable host. */
    private int hostEnd(int start, int end) {
        if (start < end && buffer[start] == '[') {
            for (int i = start; i < end; i++) {
                if (buffer[i] == ']') {
                    return i + 1;
                }
            }
            return start; // unclosed IPv6 literal: libhtp reports the host invalid
        }
        int colon = start;
        while (colon < end && buffer[colon] != ':') {
            colon++;
        }
        while (colon > start && (buffer[colon - 1] == ' ' || buffer[colon - 1] == '\t')) {
            colon--;
        }
        return colon;
    }

    private void copyHost(int start, int end) {
        boolean ipv6 = buffer[start] == '[';
        for (int i = start; i < end; i++) {
            host[i - start] = ipv6 ? buffer[i] : Octets.toLowerAscii(buffer[i]);
        }
        hostLength = end - start;
    }

    private void normalizeUri() {
        int end = uriOffset + uriLength;
        int p = authorityEnd >= 0 ? authorityEnd : uriOffset;
        if (authorityStart == uriOffset) {
            p = end; // CONNECT host:port has no path
        }
        int pathEnd = p;
        while (pathEnd < end && buffer[pathEnd] != '?' && buffer[pathEnd] != '#') {
            pathEnd++;
        }
        int out = 0;
        for (int i = p; i < pathEnd; i++) {
            byte c = buffer[i];
            if (c == '%' && pathEnd - i >= 3 && hex(buffer[i + 1]) >= 0 && hex(buffer[i + 2]) >= 0) {
                normalizedUri[out++] = (byte) (hex(buffer[i + 1]) << 4 | hex(buffer[i + 2]));
                i += 2;
            } else {
                normalizedUri[out++] = c;
            }
        }
        out = removeDotSegments(normalizedUri, out);
        System.arraycopy(buffer, pathEnd, normalizedUri, out, end - pathEnd);
        normalizedUriLength = out + end - pathEnd;
    }

    /** RFC 3986 §5.2.4 over {@code b[0, end)}, in place (output never overtakes input); returns the new end. */
    static int removeDotSegments(byte[] b, int end) {
        int in = 0;
        int out = 0;
        while (in < end) {
            int left = end - in;
            if (left >= 3 && b[in] == '.' && b[in + 1] == '.' && b[in + 2] == '/') {
                in += 3; // A: "../"
            } else if (left >= 2 && b[in] == '.' && b[in + 1] == '/') {
                in += 2; // A: "./"
            } else if (left >= 3 && b[in] == '/' && b[in + 1] == '.' && b[in + 2] == '/') {
                in += 2; // B: "/./" -> "/"
            } else if (left == 2 && b[in] == '/' && b[in + 1] == '.') {
                in += 1; // B: final "/." -> "/"
                b[in] = '/';
            } else if (left >= 4 && b[in] == '/' && b[in + 1] == '.' && b[in + 2] == '.' && b[in + 3] == '/') {
                in += 3; // C: "/../" -> "/", dropping the last output segment
                out = lastSegmentStart(b, out);
            } else if (left == 3 && b[in] == '/' && b[in + 1] == '.' && b[in + 2] == '.') {
                in += 2; // C: final "/.." -> "/"
                b[in] = '/';
                out = lastSegmentStart(b, out);
            } else if ((left == 1 && b[in] == '.') || (left == 2 && b[in] == '.' && b[in + 1] == '.')) {
                in = end; // D
            } else {
                do {
                    b[out++] = b[in++]; // E: move the first segment, with its leading "/", to the output
                } while (in < end && b[in] != '/');
            }
        }
        return out;
    }

    private static int lastSegmentStart(byte[] b, int out) {
        while (out > 0 && b[out - 1] != '/') {
            out--;
        }
        return out > 0 ? out - 1 : 0;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static boolean isAlpha(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean isToken(byte c) {
        if (isAlpha(c) || isDigit(c)) {
            return true;
        }
        return switch (c) {
            case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
            default -> false;
        };
    }

    // ---- results ----

    public HttpParseStatus status() {
        return status;
    }

    public HttpMalformedReason malformedReason() {
        return reason;
    }

    /** The request bytes as received (read only); offsets returned by accessors index this array. */
    public byte[] buffer() {
        return buffer;
    }

    /** Bytes of the request line and header block including the empty line: where the body or next request starts. */
    public int headerBlockLength() {
        return headerBlockLength;
    }

    public int requestLineOffset() {
        return requestLineStart;
    }

    /** {@code http.request_line}: method, target and version, line ending excluded. */
    public int requestLineLength() {
        return requestLineLength;
    }

    public int methodOffset() {
        return methodOffset;
    }

    public int methodLength() {
        return methodLength;
    }

    public boolean methodEquals(byte[] method) {
        return methodOffset >= 0 && Octets.equals(buffer, methodOffset, methodLength, method);
    }

    /** {@code http.uri.raw}: the request-target as sent. */
    public int uriOffset() {
        return uriOffset;
    }

    public int uriLength() {
        return uriLength;
    }

    /** {@code http.uri}: see the class comment; valid from 0 to {@link #normalizedUriLength()}. */
    public byte[] normalizedUri() {
        return normalizedUri;
    }

    public int normalizedUriLength() {
        return normalizedUriLength;
    }

    /** {@code http.protocol}, e.g. {@code HTTP/1.1}. */
    public int protocolOffset() {
        return protocolOffset;
    }

    public int protocolLength() {
        return protocolLength;
    }

    /** Whether {@code http.host} exists (see the class comment for when it does not). */
    public boolean hasHost() {
        return hostPresent;
    }

    /** {@code http.host}, valid from 0 to {@link #hostLength()}. */
    public byte[] host() {
        return host;
    }

    public int hostLength() {
        return hostLength;
    }

    public boolean hostEquals(byte[] name) {
        return hostPresent && Octets.equals(host, 0, hostLength, name);
    }

    /** Whether {@code http.host} came from an absolute (or CONNECT authority-form) request-target. */
    public boolean hostFromUri() {
        return hostFromUri;
    }

    /** {@code http.host.raw} in {@link #buffer()}, -1 without a request-target host or Host header. */
    public int hostRawOffset() {
        return hostRawOffset;
    }

    public int hostRawLength() {
        return hostRawLength;
    }

    /** {@code http.header_names}, valid from 0 to {@link #headerNamesLength()} (0: the buffer is absent). */
    public byte[] headerNames() {
        return headerNames;
    }

    public int headerNamesLength() {
        return headerNamesLength;
    }

    /** Header lines in order (repeats included; folded lines belong to the header they continue). */
    public int headerCount() {
        return headerCount;
    }

    public int headerNameOffset(int index) {
        return nameOffsets[index];
    }

    public int headerNameLength(int index) {
        return nameLengths[index];
    }

    public int headerValueOffset(int index) {
        return valueOffsets[index];
    }

    public int headerValueLength(int index) {
        return valueLengths[index];
    }

    /**
     * Writes header {@code index} as {@code name: value} (the {@code http.request_header} buffer) into {@code dst}
     * from 0; returns the length, or -1 when it does not fit.
     */
    public int copyRequestHeader(int index, byte[] dst) {
        int n = nameLengths[index];
        int v = valueLengths[index];
        if (dst.length < n + 2 + v) {
            return -1;
        }
        System.arraycopy(buffer, nameOffsets[index], dst, 0, n);
        dst[n] = ':';
        dst[n + 1] = ' ';
        System.arraycopy(buffer, valueOffsets[index], dst, n + 2, v);
        return n + 2 + v;
    }

    /**
     * Writes {@code http.header} and the {@code http.request_header} instances of the parsed request into {@code out}
     * (format in {@link HttpHeaderBuffers}); returns false, leaving {@code out} empty, unless the status is {@link
     * HttpParseStatus#DONE} and {@code out} was sized for this parser's capacity. Allocates nothing.
     */
    public boolean writeHeaderBuffers(HttpHeaderBuffers out) {
        out.clear();
        byte[] dst = out.array();
        if (status != HttpParseStatus.DONE || dst.length < HttpHeaderBuffers.capacityFor(buffer.length)) {
            return false;
        }
        // http.header leaves Cookie out (Suricata detect-http-header.c): the other entries first, then the cookies,
        // so that http.header is one range and every entry is an http.request_header instance.
        int pos = 0;
        for (int pass = 0; pass < 2; pass++) {
            boolean cookies = pass == 1;
            for (int i = 0; i < headerCount; i++) {
                boolean cookie = Octets.equalsIgnoreAsciiCase(buffer, nameOffsets[i], nameLengths[i], COOKIE);
                if (cookie != cookies || repeatsEarlierName(i)) {
                    continue;
                }
                int start = pos;
                pos = copy(nameOffsets[i], nameLengths[i], dst, pos);
                dst[pos++] = ':';
                dst[pos++] = ' ';
                pos = copy(valueOffsets[i], valueLengths[i], dst, pos);
                if (!Octets.equalsIgnoreAsciiCase(buffer, nameOffsets[i], nameLengths[i], CONTENT_LENGTH)) {
                    // libhtp joins a repeated header's values with ", " (a repeated Content-Length keeps the first)
                    for (int j = i + 1; j < headerCount; j++) {
                        if (sameName(i, j)) {
                            dst[pos++] = ',';
                            dst[pos++] = ' ';
                            pos = copy(valueOffsets[j], valueLengths[j], dst, pos);
                        }
                    }
                }
                out.add(start, pos - start);
                dst[pos++] = '\r';
                dst[pos++] = '\n';
            }
            if (!cookies) {
                out.headerLength(pos);
            }
        }
        return true;
    }

    private int copy(int from, int length, byte[] dst, int pos) {
        System.arraycopy(buffer, from, dst, pos, length);
        return pos + length;
    }

    /** {@code http.user_agent}: the first User-Agent value, -1 without one. */
    public int userAgentOffset() {
        return userAgentHeader < 0 ? -1 : valueOffsets[userAgentHeader];
    }

    public int userAgentLength() {
        return userAgentHeader < 0 ? 0 : valueLengths[userAgentHeader];
    }

    // ---- allocating views for logs and tests ----

    public String hostAsString() {
        return hostPresent ? new String(host, 0, hostLength, StandardCharsets.ISO_8859_1) : null;
    }

    public String hostRawAsString() {
        return hostRawOffset < 0 ? null : latin1(hostRawOffset, hostRawLength);
    }

    public String methodAsString() {
        return methodOffset < 0 ? null : latin1(methodOffset, methodLength);
    }

    public String uriAsString() {
        return uriOffset < 0 ? null : latin1(uriOffset, uriLength);
    }

    public String normalizedUriAsString() {
        return new String(normalizedUri, 0, normalizedUriLength, StandardCharsets.ISO_8859_1);
    }

    public String protocolAsString() {
        return protocolOffset < 0 ? null : latin1(protocolOffset, protocolLength);
    }

    public String userAgentAsString() {
        return userAgentHeader < 0 ? null : latin1(userAgentOffset(), userAgentLength());
    }

    public String headerNamesAsString() {
        return new String(headerNames, 0, headerNamesLength, StandardCharsets.ISO_8859_1);
    }

    private String latin1(int offset, int length) {
        return new String(buffer, offset, length, StandardCharsets.ISO_8859_1);
    }
}
