package org.gwlbinspect.appliance.learn;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Finds a name's registrable domain with the public suffix list Guava ships ({@link InternetDomainName}, both the ICANN
 * and the private section: {@code alice.github.io} and {@code bob.github.io} belong to different owners, so neither
 * entry covers the other). The list is as current as the Guava release the appliance is built with.
 *
 * <p>Names arrive as the client sent them: A-labels ({@code xn--...}) are looked up in their Unicode form, as the list
 * writes internationalised suffixes, and the registrable domain is returned in the ASCII form a client sends.
 */
public final class RegistrableDomains {
    /** What the policy loader accepts in a domain list target (letters, digits, hyphens, underscores, dots). */
    private static final Pattern TARGET_CHARACTERS = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");

    private final boolean includeUnlisted;

    /**
     * @param includeUnlisted apply the public suffix list's default rule ("*": an unlisted top-level domain is the
     *     suffix) to names whose top-level domain the list does not know, such as {@code .internal} or {@code .test};
     *     off, those names are reported and left off the list
     */
    public RegistrableDomains(boolean includeUnlisted) {
        this.includeUnlisted = includeUnlisted;
    }

    public ClassifiedName classify(String raw) {
        String name = raw.toLowerCase(Locale.ROOT);
        if (name.isEmpty()) return new ClassifiedName(name, NameKind.INVALID, null);
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) > 0x7E) return new ClassifiedName(name, NameKind.NON_ASCII, null);
        }
        if (name.endsWith(".")) return new ClassifiedName(name, NameKind.TRAILING_DOT, null);
        if (InetAddresses.isInetAddress(name) || InetAddresses.isUriInetAddress(name)) {
            return new ClassifiedName(name, NameKind.IP_LITERAL, null);
        }
        if (!TARGET_CHARACTERS.matcher(name).matches() || !InternetDomainName.isValid(name)) {
            return new ClassifiedName(name, NameKind.INVALID, null);
        }
        InternetDomainName domain;
        try {
            // The list holds internationalised suffixes in Unicode: look xn-- labels up in that form. toUnicode keeps a
            // label that is not valid punycode as it is.
            domain = InternetDomainName.from(IDN.toUnicode(name, IDN.ALLOW_UNASSIGNED));
        } catch (IllegalArgumentException e) {
            return new ClassifiedName(name, NameKind.INVALID, null);
        }
        String[] labels = name.split("\\.", -1);
        if (domain.parts().size() != labels.length) return new ClassifiedName(name, NameKind.INVALID, null);
        if (domain.isPublicSuffix()) return new ClassifiedName(name, NameKind.PUBLIC_SUFFIX, null);
        if (domain.isUnderPublicSuffix()) {
            int suffixLabels = domain.publicSuffix().parts().size();
            return new ClassifiedName(name, NameKind.REGISTRABLE, lastLabels(labels, suffixLabels + 1));
        }
        if (includeUnlisted && labels.length >= 2) {
            return new ClassifiedName(name, NameKind.REGISTRABLE, lastLabels(labels, 2));
        }
        return new ClassifiedName(name, NameKind.NO_PUBLIC_SUFFIX, null);
    }

    private static String lastLabels(String[] labels, int count) {
        return String.join(".", java.util.Arrays.copyOfRange(labels, labels.length - count, labels.length));
    }
}
