/**
 * Multi-pattern matching on Hyperscan for the detect stage: Suricata {@code content} literals and {@code pcre}
 * regexes (policy.md §3.4), grouped by buffer id (sticky buffer or stream).
 *
 * <p>Contract: the policy compiler builds a {@link org.gwlbinspect.detect.match.PatternSet} and compiles it into an
 * immutable {@link org.gwlbinspect.detect.match.CompiledPatterns}, part of the policy snapshot (style.md §6). Each
 * worker owns one {@link org.gwlbinspect.detect.match.MatchScratch} and scans native memory (a Netty direct buffer's
 * address, or a {@code MemorySegment}) in block mode, or segment by segment through a {@link
 * org.gwlbinspect.detect.match.MatchStream} kept per TCP flow direction. Scans allocate nothing on the Java heap and
 * leave the matches (caller's pattern id, end offset, start offset for literals) in the scratch; the caller checks
 * {@code depth}, {@code offset}, {@code distance}, {@code within}, {@code startswith} and {@code endswith} from them.
 */
package org.gwlbinspect.detect.match;
