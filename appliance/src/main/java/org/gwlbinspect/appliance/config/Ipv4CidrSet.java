package org.gwlbinspect.appliance.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A small set of IPv4 CIDR blocks checked per packet without allocation (outer source filter, gwlb.md §4.3: without
 * it anyone who reaches UDP 6081 can inject traffic).
 */
public final class Ipv4CidrSet {
    private final int[] networks;
    private final int[] masks;
    private final List<String> texts;

    private Ipv4CidrSet(int[] networks, int[] masks, List<String> texts) {
        this.networks = networks;
        this.masks = masks;
        this.texts = texts;
    }

    /** Parses {@code a.b.c.d/len} blocks (a bare address means /32); the key names the setting in errors. */
    public static Ipv4CidrSet parse(String key, List<String> cidrs) {
        if (cidrs == null || cidrs.isEmpty())
            throw new IllegalArgumentException(key + " must list at least one CIDR (0.0.0.0/0 allows any source)");
        int[] networks = new int[cidrs.size()];
        int[] masks = new int[cidrs.size()];
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < cidrs.size(); i++) {
            String text = cidrs.get(i) == null ? "" : cidrs.get(i).trim();
            int slash = text.indexOf('/');
            String itemKey = key + "[" + i + "]";
            int address = Ipv4Addresses.parse(itemKey, slash < 0 ? text : text.substring(0, slash));
            int prefix = 32;
            if (slash >= 0) {
                String len = text.substring(slash + 1);
                if (len.isEmpty() || len.length() > 2 || !len.chars().allMatch(Character::isDigit))
                    throw new IllegalArgumentException(itemKey + ": '" + text + "' has no valid prefix length (0..32)");
                prefix = Integer.parseInt(len);
                if (prefix > 32)
                    throw new IllegalArgumentException(itemKey + ": prefix length " + prefix + " is over 32");
            }
            int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
            if ((address & ~mask) != 0)
                throw new IllegalArgumentException(itemKey + ": '" + text + "' has host bits set; did you mean "
                        + Ipv4Addresses.format(address & mask) + "/" + prefix + "?");
            networks[i] = address & mask;
            masks[i] = mask;
            texts.add(Ipv4Addresses.format(address & mask) + "/" + prefix);
        }
        return new Ipv4CidrSet(networks, masks, List.copyOf(texts));
    }

    public boolean contains(int address) {
        for (int i = 0; i < networks.length; i++) {
            if ((address & masks[i]) == networks[i]) return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return String.join(",", texts);
    }
}
