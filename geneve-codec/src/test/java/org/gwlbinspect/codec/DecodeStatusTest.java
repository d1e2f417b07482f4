package org.gwlbinspect.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.junit.jupiter.api.Test;

class DecodeStatusTest {

    @Test
    void keepsOkFirst() {
        assertThat(DecodeStatus.values()[0]).isEqualTo(DecodeStatus.OK);
        assertThat(DecodeStatus.OK.isOk()).isTrue();
        assertThat(DecodeStatus.GENEVE_TRUNCATED.isOk()).isFalse();
    }

    /** Labels are Prometheus label values in dashboards and alerts: this list may grow, never change. */
    @Test
    void keepsPublishedLabelsStable() {
        assertThat(Arrays.stream(DecodeStatus.values()).map(DecodeStatus::label))
                .startsWith(
                        "ok",
                        "geneve_truncated",
                        "geneve_bad_version",
                        "geneve_oam_packet",
                        "geneve_bad_protocol_type",
                        "geneve_options_overrun",
                        "geneve_option_overrun",
                        "geneve_critical_option",
                        "geneve_bad_aws_option_length",
                        "geneve_duplicate_aws_option",
                        "geneve_missing_endpoint_id",
                        "geneve_missing_attachment_id",
                        "geneve_missing_flow_cookie",
                        "inner_empty",
                        "inner_version_mismatch",
                        "inner_ipv4_truncated",
                        "inner_ipv4_bad_ihl",
                        "inner_ipv4_bad_total_length",
                        "inner_ipv6_truncated",
                        "inner_ipv6_bad_payload_length",
                        "inner_ipv6_extension_truncated",
                        "inner_ipv6_extension_chain_too_long",
                        "inner_l4_truncated",
                        "inner_tcp_bad_data_offset",
                        "inner_ipv6_hop_by_hop_not_first",
                        "inner_ipv6_fragment_bad_length",
                        "inner_fragment_too_large",
                        "inner_udp_bad_length",
                        "inner_ipv6_duplicate_fragment_header");
    }

    @Test
    void labelsAreUniqueLowercaseNames() {
        for (DecodeStatus status : DecodeStatus.values()) {
            assertThat(status.label())
                    .matches("[a-z0-9_]+")
                    .isEqualTo(status.name().toLowerCase(java.util.Locale.ROOT));
        }
        assertThat(Arrays.stream(DecodeStatus.values()).map(DecodeStatus::label).distinct())
                .hasSize(DecodeStatus.values().length);
    }

    @Test
    void everyDropReasonIsProducedByAMalformedPacket() {
        Map<DecodeStatus, Supplier<ByteBuf>> cases = MalformedPackets.byStatus();
        assertThat(cases.keySet())
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(DecodeStatus.values())
                        .filter(s -> s != DecodeStatus.OK)
                        .toList());
        GeneveHeader header = new GeneveHeader();
        InnerPacket inner = new InnerPacket();
        cases.forEach((expected, packet) -> assertThat(TestPackets.decode(packet.get(), header, inner))
                .as(expected.label())
                .isEqualTo(expected));
    }
}
