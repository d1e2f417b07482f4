package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.util.Arrays;
import org.gwlbinspect.codec.TestPackets;
import org.junit.jupiter.api.Test;

class LinkFrameTest {
    private static final byte[] IPV4 = ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(1000, 53, new byte[4]));
    private final LinkFrame link = new LinkFrame();

    @Test
    void findsIpv4AfterEthernetAndEndsItAtItsTotalLengthBeforeThePadding() {
        byte[] frame = Arrays.copyOf(PcapFiles.ethernet(0x0800, IPV4), 60); // padded to Ethernet's minimum

        assertThat(link.decode(LinkFrame.DLT_EN10MB, frame, frame.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.ipOffset()).isEqualTo(14);
        assertThat(link.ipLength()).isEqualTo(IPV4.length);
        assertThat(link.ipVersion()).isEqualTo(4);
    }

    @Test
    void skipsVlanTags() {
        // An 802.1Q tag (VLAN 5), then an 802.1ad tag (VLAN 7), then IPv4.
        byte[] tagged = TestPackets.concat(
                new byte[12],
                new byte[] {(byte) 0x81, 0x00, 0x00, 0x05},
                new byte[] {(byte) 0x88, (byte) 0xA8, 0x00, 0x07},
                new byte[] {0x08, 0x00},
                IPV4);

        assertThat(link.decode(LinkFrame.DLT_EN10MB, tagged, tagged.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.ipOffset()).isEqualTo(22);
    }

    @Test
    void findsIpv6InLinuxCookedCaptureV2() {
        byte[] ipv6 = ipv6Packet(17, 0xfd00L << 48, 1, 0xfd00L << 48, 2, udp(1000, 53, new byte[4]));
        byte[] frame = TestPackets.concat(new byte[] {(byte) 0x86, (byte) 0xDD}, new byte[18], ipv6);

        assertThat(link.decode(LinkFrame.DLT_LINUX_SLL2, frame, frame.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.ipOffset()).isEqualTo(20);
        assertThat(link.ipVersion()).isEqualTo(6);
        assertThat(link.ipLength()).isEqualTo(ipv6.length);
    }

    @Test
    void readsTheBsdLoopbackFamilyInEitherByteOrder() {
        byte[] little = TestPackets.concat(new byte[] {2, 0, 0, 0}, IPV4);
        byte[] big = TestPackets.concat(new byte[] {0, 0, 0, 2}, IPV4);

        assertThat(link.decode(LinkFrame.DLT_NULL, little, little.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.decode(LinkFrame.DLT_NULL, big, big.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.decode(LinkFrame.DLT_LOOP, big, big.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.ipOffset()).isEqualTo(4);
    }

    @Test
    void takesTheVersionOfRawIpFromThePacket() {
        assertThat(link.decode(LinkFrame.DLT_RAW, IPV4, IPV4.length)).isEqualTo(LinkFrame.Status.OK);
        assertThat(link.ipOffset()).isZero();
        byte[] notIp = {0x20, 0, 0, 0};
        assertThat(link.decode(LinkFrame.DLT_RAW, notIp, notIp.length)).isEqualTo(LinkFrame.Status.NOT_IP);
    }

    @Test
    void reportsArpAsNotIpAndShortFramesAsTruncated() {
        byte[] arp = PcapFiles.ethernet(0x0806, new byte[28]);

        assertThat(link.decode(LinkFrame.DLT_EN10MB, arp, arp.length)).isEqualTo(LinkFrame.Status.NOT_IP);
        assertThat(link.decode(LinkFrame.DLT_EN10MB, arp, 13)).isEqualTo(LinkFrame.Status.LINK_HEADER_TRUNCATED);
        assertThat(link.decode(LinkFrame.DLT_LINUX_SLL, arp, 15)).isEqualTo(LinkFrame.Status.LINK_HEADER_TRUNCATED);
    }

    @Test
    void refusesLinkTypesItDoesNotKnow() {
        assertThat(link.decode(105, IPV4, IPV4.length)).isEqualTo(LinkFrame.Status.UNSUPPORTED_LINK_TYPE); // 802.11
    }
}
