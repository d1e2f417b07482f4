package org.gwlbinspect.policy;

import java.util.regex.Pattern;

/** Checks domain list targets (policy.md §1.2): an explicit name, or a leading-dot wildcard such as {@code .x.com}. */
final class DomainNames {
    /**
     * Letters, digits, hyphens, underscores and dots. Anything else (quotes, semicolons, pipes, spaces) would change
     * the meaning of the generated rule text instead of being matched.
     */
    private static final Pattern TARGET = Pattern.compile("\\.?[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?");

    private DomainNames() {}

    /** Null when {@code target} is a valid domain list target, else what is wrong with it. */
    static String problemWith(String target) {
        if (target.isEmpty()) return "empty domain";
        if (target.length() > 255) return "domain longer than 255 characters";
        if (!TARGET.matcher(target).matches())
            return "'" + target + "' is not a domain name (use example.com, or .example.com for it and its"
                    + " subdomains)";
        return null;
    }
}
