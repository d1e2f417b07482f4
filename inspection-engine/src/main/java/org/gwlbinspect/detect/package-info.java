/**
 * The detect stage's rule model: {@link org.gwlbinspect.detect.SuricataRuleParser} turns a rule group's Suricata 7
 * text into immutable {@link org.gwlbinspect.detect.Signature}s (policy.md §3), rejecting by name every keyword it
 * does not model, and classifies each rule (§3.3) so the engine knows whether a pass/drop/reject decides the flow or
 * only the packet. Address and port matchers are compiled once and never allocate when matching.
 */
package org.gwlbinspect.detect;
