/**
 * The detect stage's rule model: {@link org.gwlbinspect.detect.SuricataRuleParser} turns a rule group's Suricata 7
 * text into immutable {@link org.gwlbinspect.detect.Signature}s (policy.md §3), rejecting by name every keyword it
 * does not model, and classifies each rule (§3.3) so the engine knows whether a pass/drop/reject decides the flow or
 * only the packet. Address and port matchers are compiled once and never allocate when matching.
 *
 * <p>Decisions:
 *
 * <ul>
 *   <li>Header protocols: {@code ip tcp udp icmp} and the NFW app protocols of policy.md §1.2 except IKEv2 and QUIC
 *       (rejected as unsupported by NFW, §3.2). App protocols the appliance does not detect are accepted and never
 *       match, as NFW's own rules on an undetected protocol do.
 *   <li>Sticky buffers: those in {@link org.gwlbinspect.detect.Buffer}; {@code file.data}, certificate serials,
 *       {@code ja3s.*}, other {@code http.*} buffers and all byte/flowint/ICMP keywords are rejected as "not
 *       supported by this appliance"; policy.md §3.2 keywords as "not supported by AWS Network Firewall".
 *   <li>Legacy forms ({@code http_host} after content, {@code uricontent}, pcre buffer flags such as {@code /U}) are
 *       rejected with the sticky buffer to use instead.
 *   <li>Rule types: app protocol in the header, a sticky buffer or a TLS keyword makes APP_LAYER; otherwise payload
 *       content makes STREAM/PACKET_STREAM (PACKET with {@code no_stream} or {@code dsize}); any packet keyword or
 *       {@code flow} makes PACKET; {@code app-layer-protocol} alone makes PD_ONLY; else IP_ONLY, or LIKE_IP_ONLY
 *       when an address (after variable expansion, so {@code $EXTERNAL_NET}) is negated.
 * </ul>
 */
package org.gwlbinspect.detect;
