package org.gwlbinspect.l7;

/**
 * Prints an X.501 Name (RFC 5280 §4.1.2.4) the way Suricata's {@code tls.cert_subject} / {@code tls.cert_issuer} show
 * it (Suricata uses the Rust x509-parser's name printer): RDNs in certificate order joined by {@code ", "}, the
 * attributes of a multi-valued RDN joined by {@code " + "}, each as {@code ABBREV=value}.
 *
 * <ul>
 *   <li>Abbreviations: {@code CN C L ST O OU DC}, {@code Email} for PKCS #9 emailAddress; a few other X.520 types by
 *       their short name ({@code surname serialNumber streetAddress title description givenName}); any other type as
 *       {@code OID(2.5.4.15)}.
 *   <li>Values of the ASN.1 string types are copied as their raw bytes; any other value type is printed as uppercase
 *       hex of its content octets.
 * </ul>
 * Allocation-free: output goes to a caller-provided array.
 */
final class X509Names {
    /** {@link #print} result: the Name is not well-formed DER. */
    static final int DER_INVALID = -1;
    /** {@link #print} result: the printed name does not fit in the output array. */
    static final int TOO_LONG = -2;

    private static final byte[] X520 = {0x55, 0x04}; // 2.5.4
    private static final byte[] DOMAIN_COMPONENT = {
        0x09, (byte) 0x92, 0x26, (byte) 0x89, (byte) 0x93, (byte) 0xF2, 0x2C, 0x64, 0x01, 0x19
    };
    private static final byte[] EMAIL_ADDRESS = {
        0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x09, 0x01
    };
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final DerTlv rdn = new DerTlv();
    private final DerTlv attribute = new DerTlv();
    private final DerTlv oid = new DerTlv();
    private final DerTlv value = new DerTlv();

    /**
     * Prints the Name whose content octets (the RDNSequence body) are {@code der[offset, end)} into {@code out};
     * returns the printed length, {@link #DER_INVALID} or {@link #TOO_LONG}.
     */
    int print(byte[] der, int offset, int end, byte[] out) {
        int pos = 0;
        boolean firstRdn = true;
        for (int p = offset; p < end; p = rdn.contentEnd) {
            if (!rdn.read(der, p, end, DerTlv.TAG_SET)) {
                return DER_INVALID;
            }
            if (!firstRdn) {
                pos = put(out, pos, ", ");
            }
            firstRdn = false;
            boolean firstAttribute = true;
            for (int q = rdn.contentOffset; q < rdn.contentEnd; q = attribute.contentEnd) {
                if (!attribute.read(der, q, rdn.contentEnd, DerTlv.TAG_SEQUENCE)
                        || !oid.read(der, attribute.contentOffset, attribute.contentEnd, DerTlv.TAG_OID)
                        || !value.read(der, oid.contentEnd, attribute.contentEnd)) {
                    return DER_INVALID;
                }
                if (!firstAttribute) {
                    pos = put(out, pos, " + ");
                }
                firstAttribute = false;
                pos = putAttributeType(der, oid.contentOffset, oid.contentEnd - oid.contentOffset, out, pos);
                if (pos == DER_INVALID) {
                    return DER_INVALID;
                }
                pos = put(out, pos, "=");
                pos = putValue(der, out, pos);
                if (pos < 0) {
                    return TOO_LONG;
                }
            }
        }
        return pos < 0 ? TOO_LONG : pos;
    }

    private int putValue(byte[] der, byte[] out, int pos) {
        int length = value.contentEnd - value.contentOffset;
        if (pos < 0) {
            return pos;
        }
        if (isStringType(value.tag)) {
            if (out.length - pos < length) {
                return TOO_LONG;
            }
            System.arraycopy(der, value.contentOffset, out, pos, length);
            return pos + length;
        }
        if (out.length - pos < 2 * length) {
            return TOO_LONG;
        }
        for (int i = value.contentOffset; i < value.contentEnd; i++) {
            out[pos++] = HEX[(der[i] >> 4) & 0xF];
            out[pos++] = HEX[der[i] & 0xF];
        }
        return pos;
    }

    private static boolean isStringType(int tag) {
        return switch (tag) {
            case 0x07, // ObjectDescriptor
                    0x0C, // UTF8String
                    0x12, // NumericString
                    0x13, // PrintableString
                    0x14, // T61String (TeletexString)
                    0x15, // VideotexString
                    0x16, // IA5String
                    0x19, // GraphicString
                    0x1A, // VisibleString
                    0x1B, // GeneralString
                    0x1E -> true; // BMPString
            default -> false;
        };
    }

    private static int putAttributeType(byte[] der, int offset, int length, byte[] out, int pos) {
        if (pos < 0) {
            return pos;
        }
        if (length == 3 && der[offset] == X520[0] && der[offset + 1] == X520[1]) {
            String name =
                    switch (der[offset + 2]) {
                        case 3 -> "CN";
                        case 4 -> "surname";
                        case 5 -> "serialNumber";
                        case 6 -> "C";
                        case 7 -> "L";
                        case 8 -> "ST";
                        case 9 -> "streetAddress";
                        case 10 -> "O";
                        case 11 -> "OU";
                        case 12 -> "title";
                        case 13 -> "description";
                        case 42 -> "givenName";
                        default -> null;
                    };
            if (name != null) {
                return put(out, pos, name);
            }
        } else if (Octets.equals(der, offset, length, DOMAIN_COMPONENT)) {
            return put(out, pos, "DC");
        } else if (Octets.equals(der, offset, length, EMAIL_ADDRESS)) {
            return put(out, pos, "Email");
        }
        return putOid(der, offset, length, out, pos);
    }

    /** {@code OID(a.b.c)}: the Rust {@code Debug} form x509-parser falls back to for an unnamed attribute type. */
    private static int putOid(byte[] der, int offset, int length, byte[] out, int pos) {
        if (length == 0 || (der[offset + length - 1] & 0x80) != 0) {
            return DER_INVALID;
        }
        pos = put(out, pos, "OID(");
        long component = 0;
        boolean first = true;
        for (int i = offset; i < offset + length && pos >= 0; i++) {
            if (component > (Long.MAX_VALUE >>> 8)) {
                return DER_INVALID;
            }
            component = (component << 7) | (der[i] & 0x7F);
            if ((der[i] & 0x80) != 0) {
                continue;
            }
            if (first) {
                // X.690 §8.19.4: the first subidentifier packs the first two arcs as 40 * X + Y
                long x = Math.min(component / 40, 2);
                pos = putLong(out, pos, x);
                pos = put(out, pos, ".");
                pos = putLong(out, pos, component - 40 * x);
                first = false;
            } else {
                pos = put(out, pos, ".");
                pos = putLong(out, pos, component);
            }
            component = 0;
        }
        return pos < 0 ? TOO_LONG : put(out, pos, ")");
    }

    private static int putLong(byte[] out, int pos, long v) {
        if (pos < 0) {
            return pos;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        if (out.length - pos < digits) {
            return TOO_LONG;
        }
        for (int i = pos + digits - 1; i >= pos; i--) {
            out[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return pos + digits;
    }

    private static int put(byte[] out, int pos, String ascii) {
        if (pos < 0) {
            return pos;
        }
        if (out.length - pos < ascii.length()) {
            return TOO_LONG;
        }
        for (int i = 0; i < ascii.length(); i++) {
            out[pos++] = (byte) ascii.charAt(i);
        }
        return pos;
    }
}
