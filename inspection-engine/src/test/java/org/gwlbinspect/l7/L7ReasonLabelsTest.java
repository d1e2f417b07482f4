package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class L7ReasonLabelsTest {

    private static List<String> labels() {
        List<String> labels = new ArrayList<>();
        for (TlsMalformedReason r : TlsMalformedReason.values()) {
            if (r != TlsMalformedReason.NONE) {
                labels.add(r.label());
            }
        }
        for (HttpMalformedReason r : HttpMalformedReason.values()) {
            if (r != HttpMalformedReason.NONE) {
                labels.add(r.label());
            }
        }
        for (DnsMalformedReason r : DnsMalformedReason.values()) {
            if (r != DnsMalformedReason.NONE) {
                labels.add(r.label());
            }
        }
        return labels;
    }

    @Test
    void everyMalformedReasonHasAUniqueLowercaseLabelPrefixedByItsProtocol() {
        List<String> labels = labels();

        assertThat(labels).doesNotHaveDuplicates();
        assertThat(labels).allMatch(l -> l.matches("(tls|http|dns)_[a-z0-9_]+"));
    }

    @Test
    void noneStaysFirstSoOrdinalsNeverMove() {
        assertThat(TlsMalformedReason.NONE.ordinal()).isZero();
        assertThat(HttpMalformedReason.NONE.ordinal()).isZero();
        assertThat(DnsMalformedReason.NONE.ordinal()).isZero();
    }

    @Test
    void appProtocolLabelsAreEveAppProtoValues() {
        assertThat(AppProtocol.HTTP.label()).isEqualTo("http");
        assertThat(AppProtocol.DNS.label()).isEqualTo("dns");
        assertThat(AppProtocol.SSH.label()).isEqualTo("ssh");
        assertThat(AppProtocol.UNKNOWN.label()).isEqualTo("unknown");
    }
}
