package org.gwlbinspect.verdict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.gwlbinspect.codec.DecodeStatus;
import org.junit.jupiter.api.Test;

class DropReasonTest {

    @Test
    void holdsEveryDecodeStatusOneToOneWithTheSameLabel() {
        for (DecodeStatus status : DecodeStatus.values()) {
            if (status == DecodeStatus.OK) continue;
            assertThat(DropReason.of(status).label()).isEqualTo(status.label());
        }
        assertThat(DropReason.count()).isEqualTo(DecodeStatus.values().length - 1 + 9);
    }

    @Test
    void labelsAreUniqueLowercasePrometheusValues() {
        Set<String> labels = new HashSet<>();
        for (DropReason reason : DropReason.values()) {
            assertThat(labels.add(reason.label())).as("unique %s", reason).isTrue();
            assertThat(reason.label()).matches("[a-z0-9_]+");
        }
    }

    @Test
    void ordinalsAreDenseSoCountersCanIndexArrays() {
        for (int i = 0; i < DropReason.count(); i++)
            assertThat(DropReason.values().get(i).ordinal()).isEqualTo(i);
    }

    @Test
    void aPacketThatDecodedHasNoDropReason() {
        assertThatThrownBy(() -> DropReason.of(DecodeStatus.OK)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDestinationBindingDropHasItsOwnLabelAndInspectorsDefaultToPolicyDrop() {
        assertThat(DropReason.DESTINATION_BINDING.label()).isEqualTo("destination_binding");
        assertThat(new PassThroughInspector().dropReason()).isSameAs(DropReason.POLICY_DROP);
    }

    @Test
    void passThroughAllowsEveryPacket() {
        assertThat(new PassThroughInspector().inspect(null, null, null, 0, 0, 0))
                .isEqualTo(Verdict.PASS);
    }
}
