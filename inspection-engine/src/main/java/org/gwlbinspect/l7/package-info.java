/**
 * L7 extraction stage: bounded, allocation-free parsers that turn the first in-order bytes of a TCP direction (or one
 * UDP datagram) into the sticky buffers NFW's Suricata rules inspect (policy.md §3.5).
 *
 * <p>Contract: every parser is a reusable object owned by one worker; {@code reset()} prepares it for the next flow or
 * direction. The caller (stream reassembly) feeds contiguous, in-order byte ranges of one direction as segments arrive;
 * the parser copies what it needs into a buffer preallocated at construction, so segments may be released after each
 * call. A parser returns {@code NEED_MORE} until it has decided, then a terminal status ({@code DONE}, not this
 * protocol, {@code MALFORMED} with a reason enum carrying stable labels, or {@code TOO_LARGE} when a bound is hit) and
 * ignores further input until {@code reset()}. Results are exposed as offsets into the parser's buffers, valid until
 * {@code reset()}; only the {@code ...AsString()} and JA3/JA3S string accessors allocate. No parser throws on any input
 * bytes.
 *
 * <p>Buffers produced: {@code tls.sni} ({@link org.gwlbinspect.l7.TlsClientHelloParser}, raw bytes), {@code
 * tls.cert_subject}/{@code tls.cert_issuer} ({@link org.gwlbinspect.l7.TlsServerHelloParser}), {@code http.host},
 * {@code http.host.raw}, {@code http.header_names}, {@code http.uri} ({@link org.gwlbinspect.l7.HttpRequestParser}),
 * {@code dns.query} ({@link org.gwlbinspect.l7.DnsQueryParser}); {@link org.gwlbinspect.l7.AppProtocolDetector}
 * decides which parser a direction gets; {@link org.gwlbinspect.l7.TlsRecordTracker} walks a TLS direction's record
 * headers after the handshake, to tell when its encrypted part starts.
 */
package org.gwlbinspect.l7;
