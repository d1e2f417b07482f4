/**
 * Stateful stage: NFW's stateful engine on the data path (policy.md §2.3–§2.8). Per packet of a flow that the
 * stateless engine forwarded: the flow's connection state, TCP reassembly of the client→server stream until its first
 * application message (TLS ClientHello, HTTP request header block, DNS query) is parsed and, for TLS, of the
 * server→client stream until the server's certificate (TLS ≤ 1.2) or its TLS 1.3 ServerHello, the rule evaluator, the
 * stream exception policy, and the flow verdict that later packets take without inspection (fast path).
 *
 * <p>Sticky buffers filled (policy.md §3.5), on the packet that completes their message: {@code tls.sni}, {@code
 * ja3.hash}, {@code ja3.string}; {@code tls.cert_subject}, {@code tls.cert_issuer} (server packets; never for TLS 1.3,
 * whose certificate is encrypted); {@code http.host}, {@code http.host.raw}, {@code http.uri}, {@code http.uri.raw},
 * {@code http.method}, {@code http.user_agent}, {@code http.header} (headers without the request line and Cookie,
 * {@code Name: value\r\n} each), {@code http.header_names}, {@code http.request_header} (one instance per header,
 * any one may match); {@code dns.query}: every buffer of {@link org.gwlbinspect.detect.Buffer}. The rule parser
 * rejects the others by name ({@code tls.cert_serial}, {@code tls.cert_fingerprint}, {@code tls.subjectaltname},
 * {@code tls.certs}, {@code ja3s.*}, the HTTP response buffers, ...), so no rule can silently never match.
 *
 * <p>Encrypted TLS ({@link org.gwlbinspect.stateful.EncryptionHandling}, docs/encrypted-tls.md): by default, as in
 * Suricata 7, a TLS flow's payload is no longer inspected by payload rules once it completed an application_data
 * record after the server's hello, and its stream state goes back to the pool then.
 *
 * <p>Per-flow state lives in the flow table (the policy word, {@link org.gwlbinspect.stateful.PolicyWord}, and the
 * stream handle in {@code policyIndex}) and in {@link org.gwlbinspect.stateful.StatefulFlows}, shared by the workers
 * and sized to the flow table. Per-worker state (evaluator, packet context, scratch) is in {@link
 * org.gwlbinspect.stateful.StatefulInspector}.
 */
package org.gwlbinspect.stateful;
