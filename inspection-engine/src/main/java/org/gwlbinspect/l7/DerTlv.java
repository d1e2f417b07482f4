package org.gwlbinspect.l7;

/**
 * Reusable cursor over one DER tag-length-value (X.690 §8.1, §10.1): single-byte tags and definite lengths of at most
 * three length octets, which covers every certificate up to 16 MiB. Nothing else of X.690 is needed to reach a
 * certificate's subject.
 */
final class DerTlv {
    static final int TAG_INTEGER = 0x02;
    static final int TAG_OID = 0x06;
    static final int TAG_SEQUENCE = 0x30;
    static final int TAG_SET = 0x31;
    /** [0] EXPLICIT, constructed: tbsCertificate.version. */
    static final int TAG_CONTEXT_0 = 0xA0;

    int tag;
    int contentOffset;
    int contentEnd;

    /** Reads the TLV at {@code pos}, which must end by {@code limit}; false when it does not parse or overruns. */
    boolean read(byte[] b, int pos, int limit) {
        if (limit - pos < 2) {
            return false;
        }
        int t = b[pos] & 0xFF;
        if ((t & 0x1F) == 0x1F) {
            return false; // high-tag-number form: never used by the certificate fields read here
        }
        int first = b[pos + 1] & 0xFF;
        int p = pos + 2;
        int length;
        if (first < 0x80) {
            length = first;
        } else {
            int octets = first & 0x7F;
            if (octets == 0 || octets > 3 || limit - p < octets) {
                return false; // 0x80 is the indefinite form, which DER forbids (X.690 §10.1)
            }
            length = 0;
            for (int i = 0; i < octets; i++) {
                length = (length << 8) | (b[p++] & 0xFF);
            }
        }
        if (limit - p < length) {
            return false;
        }
        tag = t;
        contentOffset = p;
        contentEnd = p + length;
        return true;
    }

    /** As {@link #read} and requires {@code expectedTag}. */
    boolean read(byte[] b, int pos, int limit, int expectedTag) {
        return read(b, pos, limit) && tag == expectedTag;
    }
}
