package org.gwlbinspect.appliance.learn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegistrableDomainsTest {
    private final RegistrableDomains domains = new RegistrableDomains(false);

    private String registrable(String name) {
        ClassifiedName c = domains.classify(name);
        assertThat(c.kind()).as(name).isEqualTo(NameKind.REGISTRABLE);
        return c.registrableDomain();
    }

    private NameKind kind(String name) {
        return domains.classify(name).kind();
    }

    @Test
    void groupsUnderTheRegistrableDomainOfAMultiLabelSuffix() {
        assertThat(registrable("www.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(registrable("a.b.api.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(registrable("example.co.uk")).isEqualTo("example.co.uk");
        assertThat(registrable("www.example.com")).isEqualTo("example.com");
    }

    @Test
    void keepsTheTenantsOfAPrivateSuffixApart() {
        // github.io is on the list's private section: each user's site is a registrable domain of its own.
        assertThat(registrable("alice.github.io")).isEqualTo("alice.github.io");
        assertThat(registrable("www.alice.github.io")).isEqualTo("alice.github.io");
        assertThat(registrable("bob.github.io")).isEqualTo("bob.github.io");
    }

    @Test
    void listsAPublicSuffixItselfByItsExactNameOnly() {
        assertThat(kind("github.io")).isEqualTo(NameKind.PUBLIC_SUFFIX);
        assertThat(kind("co.uk")).isEqualTo(NameKind.PUBLIC_SUFFIX);
    }

    @Test
    void looksUpInternationalisedSuffixesAndAnswersInALabels() {
        // 公司.cn is a public suffix; a client sends it as xn--55qx5d.cn in its SNI.
        assertThat(registrable("www.example.xn--55qx5d.cn")).isEqualTo("example.xn--55qx5d.cn");
        // an A-label below an ordinary suffix stays as sent
        assertThat(registrable("www.xn--bcher-kva.de")).isEqualTo("xn--bcher-kva.de");
        assertThat(kind("www.bücher.de")).isEqualTo(NameKind.NON_ASCII);
    }

    @Test
    void lowercasesNamesAsTheGeneratedRulesCompareThem() {
        ClassifiedName c = domains.classify("WWW.Example.COM");
        assertThat(c.name()).isEqualTo("www.example.com");
        assertThat(c.registrableDomain()).isEqualTo("example.com");
    }

    @Test
    void refusesNamesThatNoDomainListEntryCanMatch() {
        assertThat(kind("www.example.com.")).isEqualTo(NameKind.TRAILING_DOT);
        assertThat(kind("203.0.113.10")).isEqualTo(NameKind.IP_LITERAL);
        assertThat(kind("2001:db8::1")).isEqualTo(NameKind.IP_LITERAL);
        assertThat(kind("[2001:db8::1]")).isEqualTo(NameKind.IP_LITERAL);
        assertThat(kind("")).isEqualTo(NameKind.INVALID);
        assertThat(kind("bad..example.com")).isEqualTo(NameKind.INVALID);
        assertThat(kind("-x.example.com")).isEqualTo(NameKind.INVALID);
        assertThat(kind("a b.example.com")).isEqualTo(NameKind.INVALID);
        assertThat(kind("x\";drop.example.com")).isEqualTo(NameKind.INVALID);
        assertThat(kind("1.2.3")).isEqualTo(NameKind.INVALID);
    }

    @Test
    void reportsNamesUnderNoPublicSuffixUnlessAskedToGroupThem() {
        assertThat(kind("www.demo.test")).isEqualTo(NameKind.NO_PUBLIC_SUFFIX);
        assertThat(kind("db.corp.internal")).isEqualTo(NameKind.NO_PUBLIC_SUFFIX);
        assertThat(kind("intranet")).isEqualTo(NameKind.NO_PUBLIC_SUFFIX);
        RegistrableDomains unlisted = new RegistrableDomains(true);
        assertThat(unlisted.classify("www.demo.test").registrableDomain()).isEqualTo("demo.test");
        assertThat(unlisted.classify("db.corp.internal").registrableDomain()).isEqualTo("corp.internal");
        assertThat(unlisted.classify("intranet").kind()).isEqualTo(NameKind.NO_PUBLIC_SUFFIX);
        // a listed suffix is still found with the option on
        assertThat(unlisted.classify("www.example.co.uk").registrableDomain()).isEqualTo("example.co.uk");
    }
}
