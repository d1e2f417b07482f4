package org.gwlbinspect.appliance.config;

/** Parsing and printing of dotted-quad IPv4 addresses held as ints (network order: first octet in the top byte). */
public final class Ipv4Addresses {
    private Ipv4Addresses() {}

    /** Parses {@code a.b.c.d}; the key names the configuration setting in the error message. */
    public static int parse(String key, String text) {
        if (text == null) throw new IllegalArgumentException(key + " must be set");
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) throw invalid(key, text);
        int address = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit))
                throw invalid(key, text);
            int octet = Integer.parseInt(part);
            if (octet > 255) throw invalid(key, text);
            address = (address << 8) | octet;
        }
        return address;
    }

    public static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    private static IllegalArgumentException invalid(String key, String text) {
        return new IllegalArgumentException(key + ": '" + text + "' is not an IPv4 address (expected a.b.c.d)");
    }
}
