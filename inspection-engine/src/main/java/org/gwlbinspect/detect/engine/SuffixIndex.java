package org.gwlbinspect.detect.engine;

import java.util.List;

/**
 * The prefilter patterns of one sticky buffer that must end where the buffer ends ({@code endswith}: every domain
 * rule NFW generates for TLS SNI and HTTP host), found by hashing the buffer's suffixes instead of a Hyperscan scan.
 * Hyperscan checks, one after another, the literals that share their last 8 bytes wherever those bytes occur: 3 000
 * rules {@code content:"bad-N.example"; endswith;} made the host {@code host-5.example.net} cost 13–15 µs per packet,
 * against 0.2–0.6 µs for a host without {@code .example} (docs/performance.md, "Fifth round (detect)"). A pattern that
 * must end at the buffer's end can only be the buffer's suffix of its own length, so one walk from the end, hashing
 * as it goes, and a lookup for each length some pattern has, finds exactly the patterns that end there: O(buffer
 * length + patterns found), whatever the patterns share.
 *
 * <p>The walk sees the buffer as the scan does: with a {@code '.'} in front when the buffer is {@code dotprefix}ed
 * (which only adds matches), and lowercased when the patterns are {@code nocase} (kept lowercased). Immutable after
 * construction, shared by every worker; {@link #addOwners} allocates nothing.
 */
final class SuffixIndex {
    private static final long MULTIPLIER = 0x9E37_79B9_7F4A_7C15L;

    private final boolean caseless;
    /** By pattern id (the prefilter's distinct pattern numbers), its bytes; null for patterns not in this index. */
    private final byte[][] patterns;
    /** Bit {@code n} set: a pattern of {@code n} bytes is in the index. */
    private final long[] lengths;

    private final int maxLength;
    /** Open addressing: the suffix hash and pattern id + 1 per slot, 0 for an empty slot. */
    private final long[] hashes;

    private final int[] ids;
    private final int mask;

    /**
     * @param caseless the patterns are {@code nocase} (their bytes lowercased, as the prefilter's distinct patterns
     *     keep them), so the buffer is compared lowercased
     * @param ids pattern ids, each a valid index into {@code bytesById}
     * @param bytesById every distinct pattern's bytes by pattern id
     */
    SuffixIndex(boolean caseless, List<Integer> ids, byte[][] bytesById) {
        this.caseless = caseless;
        this.patterns = new byte[bytesById.length][];
        int longest = 0;
        for (int id : ids) longest = Math.max(longest, bytesById[id].length);
        this.maxLength = longest;
        this.lengths = new long[(longest >>> 6) + 1];
        int slots = Integer.highestOneBit(Math.max(4, ids.size() * 2 - 1)) << 1; // load factor at most 1/2
        this.hashes = new long[slots];
        this.ids = new int[slots];
        this.mask = slots - 1;
        for (int id : ids) {
            byte[] p = bytesById[id];
            if (p.length == 0) throw new IllegalArgumentException("an empty pattern cannot be a suffix pattern");
            patterns[id] = p;
            lengths[p.length >>> 6] |= 1L << p.length;
            long hash = 0;
            for (int k = p.length - 1; k >= 0; k--) hash = step(hash, p[k]);
            int slot = slot(hash, p.length);
            while (this.ids[slot] != 0) slot = (slot + 1) & mask;
            hashes[slot] = hash;
            this.ids[slot] = id + 1;
        }
    }

    /**
     * Adds to {@code out} the rules ({@code rules} by pattern id) of every pattern that ends where {@code src[offset,
     * offset + length)} ends, the buffer seen with a {@code '.'} in front when {@code dotPrefixed}.
     */
    void addOwners(byte[] src, int offset, int length, boolean dotPrefixed, long[][] rules, CandidateRules out) {
        int total = Math.min(length + (dotPrefixed ? 1 : 0), maxLength);
        int end = offset + length;
        long hash = 0;
        for (int n = 1; n <= total; n++) {
            byte b = n <= length ? src[end - n] : (byte) '.';
            hash = step(hash, caseless ? RuleEvaluator.lower(b) : b);
            if ((lengths[n >>> 6] & (1L << n)) == 0) continue;
            for (int slot = slot(hash, n); ids[slot] != 0; slot = (slot + 1) & mask) {
                int id = ids[slot] - 1;
                if (hashes[slot] == hash && patterns[id].length == n && endsWith(src, end, length, patterns[id])) {
                    out.addAll(rules[id]);
                }
            }
        }
    }

    /** Whether the buffer ending at {@code end} (with the virtual dot before its {@code length} bytes) ends with it. */
    private boolean endsWith(byte[] src, int end, int length, byte[] pattern) {
        for (int n = 1; n <= pattern.length; n++) {
            byte b = n <= length ? src[end - n] : (byte) '.';
            if ((caseless ? RuleEvaluator.lower(b) : b) != pattern[pattern.length - n]) return false;
        }
        return true;
    }

    /** Patterns in this index (tests). */
    int size() {
        int n = 0;
        for (int id : ids) if (id != 0) n++;
        return n;
    }

    private static long step(long hash, byte b) {
        return (hash ^ (b & 0xFF)) * MULTIPLIER;
    }

    private int slot(long hash, int length) {
        long h = (hash ^ length) * MULTIPLIER;
        return (int) (h >>> 32) & mask;
    }
}
