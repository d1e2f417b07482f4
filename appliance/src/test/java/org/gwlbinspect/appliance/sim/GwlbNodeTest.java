package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.icmp;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class GwlbNodeTest {
    private static final int APPLIANCE = Topology.ipv4(Topology.APPLIANCE_IPV4);
    private static final long CLIENT = ipv4(10, 10, 1, 10);
    private static final long SERVER = ipv4(198, 51, 100, 10);
    private static final SimEndpoint ONE = new SimEndpoint(1, 0x0abcdef012345671L, 0x1122334455667788L);
    private static final SimEndpoint TWO = new SimEndpoint(2, 0x0abcdef012345672L, 0);
    private static final byte[] SYN = ipv4Packet(6, CLIENT, SERVER, tcp(41000, 80, 1, 0, 0x02, new byte[0]));
    private static final byte[] SYN_ACK = ipv4Packet(6, SERVER, CLIENT, tcp(80, 41000, 9, 2, 0x12, new byte[0]));

    private long nowNanos;
    private final GwlbNode node = node(CookieRotation.NEVER);

    private GwlbNode node(CookieRotation rotation) {
        return new GwlbNode(List.of(ONE, TWO), APPLIANCE, rotation, () -> nowNanos);
    }

    /** What the node sends for {@code packet}: the outer source port and the UDP payload. */
    private record Sent(int port, ByteBuf payload) {
        long cookie() {
            return payload.getUnsignedInt(36); // the flow cookie option's data: bytes 36..39 of the GENEVE header
        }
    }

    private static Sent capture(GwlbNode node, int endpoint, byte[] packet) {
        ByteBuf out = Unpooled.buffer(packet.length + 64);
        int port = node.capture(endpoint, Unpooled.wrappedBuffer(packet), packet.length, out);
        return new Sent(port, out);
    }

    private static ReplyDropReason reply(GwlbNode node, int sourceAddress, int sourcePort, ByteBuf payload) {
        return node.checkReply(sourceAddress, sourcePort, payload.duplicate(), payload.readableBytes());
    }

    @Test
    void wrapsCapturedPacketInGwlbHeaderOfItsEndpoint() {
        Sent sent = capture(node, 1, SYN);

        String cookie = String.format("%08x", sent.cookie());
        assertThat(HexFormat.of().formatHex(ByteBufUtil.getBytes(sent.payload(), 0, 40)))
                .isEqualTo("08000800" + "00000000" // Ver 0, Opt Len 8 words, no flags, IPv4; VNI 0
                        + "01080102" + "0abcdef012345671" // class 0x0108 type 1 (endpoint ID), 2 words
                        + "01080202" + "1122334455667788" // type 2, attachment ID
                        + "01080301" + cookie); // type 3, flow cookie, 1 word
        assertThat(sent.cookie()).isNotZero();
        assertThat(ByteBufUtil.getBytes(sent.payload(), 40, SYN.length)).isEqualTo(SYN);
        assertThat(sent.port())
                .isBetween(GwlbNode.FIRST_SOURCE_PORT, GwlbNode.FIRST_SOURCE_PORT + GwlbNode.SOURCE_PORTS);
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(node.counters().fromClient()).isEqualTo(1);
    }

    @Test
    void givesBothDirectionsOfAFlowOneOuterPortAndCookie() {
        Sent syn = capture(node, 1, SYN);
        Sent synAck = capture(node, 1, SYN_ACK);

        assertThat(synAck.port()).isEqualTo(syn.port());
        assertThat(synAck.cookie()).isEqualTo(syn.cookie());
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(node.counters().fromClient()).isEqualTo(1);
        assertThat(node.counters().fromServer()).isEqualTo(1);
    }

    @Test
    void acceptsReplyThatEchoesTheFlowsHeaderAndPort() {
        Sent syn = capture(node, 1, SYN);

        assertThat(reply(node, APPLIANCE, syn.port(), syn.payload())).isNull();
        assertThat(node.acceptedEndpoint()).isEqualTo(1);
        assertThat(node.acceptedInnerOffset()).isEqualTo(40);
        assertThat(node.acceptedInnerLength()).isEqualTo(SYN.length);
        // The appliance may return the server's packet of the flow with the same header (symmetric flow).
        Sent synAck = capture(node, 1, SYN_ACK);
        assertThat(reply(node, APPLIANCE, syn.port(), synAck.payload())).isNull();
        assertThat(node.counters().returned()).isEqualTo(2);
    }

    @Test
    void dropsReplyFromAnotherAddressThanTheAppliance() {
        Sent syn = capture(node, 1, SYN);

        assertThat(reply(node, APPLIANCE + 1, syn.port(), syn.payload()))
                .isEqualTo(ReplyDropReason.WRONG_SOURCE_ADDRESS);
        assertThat(node.counters().dropped(ReplyDropReason.WRONG_SOURCE_ADDRESS))
                .isEqualTo(1);
    }

    @Test
    void dropsReplyWhoseOuterSourcePortIsNotTheFlows() {
        Sent syn = capture(node, 1, SYN);

        // 6081: what an appliance sending from its GENEVE socket would use (gwlb.md §2.3 (d)).
        assertThat(reply(node, APPLIANCE, 6081, syn.payload())).isEqualTo(ReplyDropReason.WRONG_OUTER_PORT);
        assertThat(node.counters().dropped(ReplyDropReason.WRONG_OUTER_PORT)).isEqualTo(1);
    }

    @Test
    void dropsReplyWhoseHeaderDiffersFromTheOneSent() {
        Sent syn = capture(node, 1, SYN);
        ByteBuf changed = gwlb(ONE.endpointId(), 0x99, syn.cookie(), SYN); // another attachment ID

        assertThat(reply(node, APPLIANCE, syn.port(), changed)).isEqualTo(ReplyDropReason.HEADER_MISMATCH);
        ByteBuf otherCookie = gwlb(ONE.endpointId(), ONE.attachmentId(), syn.cookie() ^ 1, SYN);
        assertThat(reply(node, APPLIANCE, syn.port(), otherCookie)).isEqualTo(ReplyDropReason.HEADER_MISMATCH);
        assertThat(node.counters().dropped(ReplyDropReason.HEADER_MISMATCH)).isEqualTo(2);
    }

    @Test
    void dropsReplyCarryingAnEarlierCookieAfterRotation() {
        GwlbNode rotating = node(new CookieRotation(2, Duration.ZERO));
        Sent first = capture(rotating, 1, SYN);
        capture(rotating, 1, SYN);
        Sent third = capture(rotating, 1, SYN); // the third packet gets a new cookie
        capture(rotating, 1, SYN);
        Sent fifth = capture(rotating, 1, SYN); // and the fifth another

        assertThat(third.cookie()).isNotEqualTo(first.cookie());
        assertThat(fifth.cookie()).isNotIn(first.cookie(), third.cookie());
        assertThat(rotating.counters().cookieRotations()).isEqualTo(2);
        assertThat(reply(rotating, APPLIANCE, third.port(), third.payload())).isEqualTo(ReplyDropReason.STALE_COOKIE);
        assertThat(reply(rotating, APPLIANCE, first.port(), first.payload())).isEqualTo(ReplyDropReason.STALE_COOKIE);
        assertThat(reply(rotating, APPLIANCE, fifth.port(), fifth.payload())).isNull();
        assertThat(rotating.counters().dropped(ReplyDropReason.STALE_COOKIE)).isEqualTo(2);
    }

    @Test
    void rotatesCookieWhenItIsOlderThanTheInterval() {
        GwlbNode rotating = node(new CookieRotation(0, Duration.ofSeconds(5)));
        Sent first = capture(rotating, 1, SYN);
        nowNanos += Duration.ofSeconds(4).toNanos();
        assertThat(capture(rotating, 1, SYN).cookie()).isEqualTo(first.cookie());
        nowNanos += Duration.ofSeconds(1).toNanos();

        assertThat(capture(rotating, 1, SYN).cookie()).isNotEqualTo(first.cookie());
        assertThat(rotating.counters().cookieRotations()).isEqualTo(1);
    }

    @Test
    void dropsReplyForAFlowNeverSentToTheAppliance() {
        Sent syn = capture(node, 1, SYN);
        byte[] other = ipv4Packet(6, CLIENT, SERVER, tcp(41001, 80, 1, 0, 0x02, new byte[0]));

        assertThat(reply(node, APPLIANCE, syn.port(), gwlb(ONE.endpointId(), ONE.attachmentId(), syn.cookie(), other)))
                .isEqualTo(ReplyDropReason.UNKNOWN_FLOW);
        assertThat(node.counters().dropped(ReplyDropReason.UNKNOWN_FLOW)).isEqualTo(1);
    }

    @Test
    void dropsReplyNamingAnUnknownEndpoint() {
        Sent syn = capture(node, 1, SYN);

        assertThat(reply(node, APPLIANCE, syn.port(), gwlb(0x77, ONE.attachmentId(), syn.cookie(), SYN)))
                .isEqualTo(ReplyDropReason.UNKNOWN_ENDPOINT);
    }

    @Test
    void dropsReplyWithAnInnerPacketOver8500Bytes() {
        byte[] big = ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[8501 - 28]));
        byte[] small = ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[10]));
        Sent sent = capture(node, 1, small);

        ByteBuf oversize = gwlb(ONE.endpointId(), ONE.attachmentId(), sent.cookie(), big);
        assertThat(reply(node, APPLIANCE, sent.port(), oversize)).isEqualTo(ReplyDropReason.TOO_LARGE);
        assertThat(node.counters().dropped(ReplyDropReason.TOO_LARGE)).isEqualTo(1);
        // 8500 itself is GWLB's MTU and passes.
        byte[] limit = ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[8500 - 28]));
        assertThat(reply(
                        node, APPLIANCE, sent.port(), gwlb(ONE.endpointId(), ONE.attachmentId(), sent.cookie(), limit)))
                .isNull();
    }

    @Test
    void dropsCapturedPacketOver8500Bytes() {
        byte[] big = ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[8501 - 28]));

        assertThat(capture(node, 1, big).port()).isEqualTo(-1);
        assertThat(node.counters().dropped(CaptureDropReason.TOO_LARGE)).isEqualTo(1);
    }

    @Test
    void dropsMalformedGeneveAndUndecodableInnerPackets() {
        Sent syn = capture(node, 1, SYN);
        ByteBuf badVersion = syn.payload().copy();
        badVersion.setByte(0, 0x48); // version 1

        assertThat(reply(node, APPLIANCE, syn.port(), badVersion)).isEqualTo(ReplyDropReason.MALFORMED_GENEVE);
        ByteBuf truncated = syn.payload().copy(0, 45);
        assertThat(reply(node, APPLIANCE, syn.port(), truncated)).isEqualTo(ReplyDropReason.INNER_UNDECODABLE);
        assertThat(capture(node, 1, new byte[] {0x45, 0, 0}).port()).isEqualTo(-1);
        assertThat(node.counters().dropped(CaptureDropReason.INNER_UNDECODABLE)).isEqualTo(1);
    }

    @Test
    void forgetsFlowsAfterGwlbsIdleTimeouts() {
        byte[] dns = ipv4Packet(17, CLIENT, SERVER, udp(5353, 53, new byte[12]));
        Sent tcpFlow = capture(node, 1, SYN);
        Sent udpFlow = capture(node, 1, dns);

        nowNanos += Duration.ofSeconds(121).toNanos(); // past the 120 s of non-TCP flows, within TCP's 350 s
        assertThat(node.expireIdle()).isEqualTo(1);
        assertThat(reply(node, APPLIANCE, udpFlow.port(), udpFlow.payload())).isEqualTo(ReplyDropReason.UNKNOWN_FLOW);
        assertThat(reply(node, APPLIANCE, tcpFlow.port(), tcpFlow.payload())).isNull(); // a reply also refreshes

        nowNanos += Duration.ofSeconds(351).toNanos();
        assertThat(node.expireIdle()).isEqualTo(1);
        assertThat(reply(node, APPLIANCE, tcpFlow.port(), tcpFlow.payload())).isEqualTo(ReplyDropReason.UNKNOWN_FLOW);
        assertThat(node.counters().expiredFlows()).isEqualTo(2);
        // The 5-tuple's next packet is a new flow with a new cookie.
        assertThat(capture(node, 1, SYN).cookie()).isNotEqualTo(tcpFlow.cookie());
        assertThat(node.counters().flows()).isEqualTo(3);
    }

    @Test
    void neverCarriesMulticastOrLinkLocalPackets() {
        byte[] mldReport = ipv6Packet(58, 0, 0, 0xff02000000000000L, 0x16, new byte[8]); // :: -> ff02::16
        byte[] fromLinkLocal =
                ipv6Packet(6, 0xfe80000000000000L, 1, 0x20010db801000000L, 0x10, tcp(41000, 443, 1, 0, 2, new byte[0]));
        byte[] igmp = ipv4Packet(2, CLIENT, ipv4(224, 0, 0, 22), new byte[8]);

        assertThat(capture(node, 1, mldReport).port()).isEqualTo(-1);
        assertThat(capture(node, 1, fromLinkLocal).port()).isEqualTo(-1);
        assertThat(capture(node, 1, igmp).port()).isEqualTo(-1);
        assertThat(node.counters().dropped(CaptureDropReason.LINK_LOCAL)).isEqualTo(3);
        assertThat(node.counters().flows()).isZero();
    }

    @Test
    void keepsOverlappingFlowsOfTwoEndpointsApart() {
        Sent one = capture(node, 1, SYN);
        Sent two = capture(node, 2, SYN); // the same 5-tuple from the second endpoint's client VPC

        assertThat(node.counters().flows()).isEqualTo(2);
        assertThat(two.payload().getLong(12)).isEqualTo(TWO.endpointId());
        assertThat(reply(node, APPLIANCE, two.port(), two.payload())).isNull();
        assertThat(node.acceptedEndpoint()).isEqualTo(2);
        assertThat(reply(node, APPLIANCE, one.port(), one.payload())).isNull();
        assertThat(node.acceptedEndpoint()).isEqualTo(1);
    }

    @Test
    void tracksIpv6FlowsWithIpv6ProtocolType() {
        byte[] syn6 = ipv6Packet(
                6, 0xfd00001000010000L, 0x10, 0x20010db801000000L, 0x10, tcp(41000, 443, 1, 0, 2, new byte[0]));
        Sent sent = capture(node, 1, syn6);

        assertThat(sent.payload().getUnsignedShort(2)).isEqualTo(0x86DD);
        assertThat(reply(node, APPLIANCE, sent.port(), sent.payload())).isNull();
        assertThat(node.acceptedInnerLength()).isEqualTo(syn6.length);
    }

    @Test
    void carriesAPortUnreachableAboutAUdpFlowAsAPacketOfThatFlow() {
        byte[] query = ipv4Packet(17, CLIENT, SERVER, udp(40000, 9, new byte[16]));
        // The server's kernel answers with ICMP type 3 code 3, quoting the query's IP header and first 8 bytes on.
        byte[] unreachable = ipv4Packet(1, SERVER, CLIENT, icmp(3, 3, 0, java.util.Arrays.copyOf(query, 28)));
        Sent sentQuery = capture(node, 1, query);
        Sent sentError = capture(node, 1, unreachable);

        assertThat(sentError.port()).isEqualTo(sentQuery.port());
        assertThat(sentError.cookie()).isEqualTo(sentQuery.cookie());
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(node.counters().fromServer()).isEqualTo(1); // travels toward the flow's initiator
        // The appliance returns it with the flow's header: accepted as that flow's.
        assertThat(reply(node, APPLIANCE, sentQuery.port(), sentError.payload()))
                .isNull();
        assertThat(node.acceptedInnerLength()).isEqualTo(unreachable.length);
    }

    @Test
    void carriesAFragmentationNeededAboutATcpFlowFromARouterAsAPacketOfThatFlow() {
        byte[] data = ipv4Packet(6, CLIENT, SERVER, tcp(41000, 80, 100, 1, 0x18, new byte[1400]));
        long router = ipv4(198, 51, 100, 1);
        // Type 3 code 4, next-hop MTU 1280 in the low 16 bits of the rest of the header (RFC 1191).
        byte[] fragNeeded = ipv4Packet(1, router, CLIENT, icmp(3, 4, 1280, java.util.Arrays.copyOf(data, 48)));
        Sent syn = capture(node, 1, SYN);
        Sent sentError = capture(node, 1, fragNeeded);

        assertThat(sentError.port()).isEqualTo(syn.port());
        assertThat(sentError.cookie()).isEqualTo(syn.cookie());
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(reply(node, APPLIANCE, syn.port(), sentError.payload())).isNull();
    }

    @Test
    void carriesAPacketTooBigAboutAnIpv6TcpFlowAsAPacketOfThatFlow() {
        long clientHi = 0xfd00001000010000L;
        long serverHi = 0x20010db801000000L;
        byte[] syn6 = ipv6Packet(6, clientHi, 0x10, serverHi, 0x10, tcp(41000, 443, 1, 0, 2, new byte[0]));
        byte[] data6 = ipv6Packet(6, serverHi, 0x10, clientHi, 0x10, tcp(443, 41000, 9, 2, 0x18, new byte[1400]));
        // ICMPv6 type 2 (Packet Too Big), MTU 1280, from a router on the client's side, quoting the server's segment.
        byte[] tooBig =
                ipv6Packet(58, clientHi, 0x1, serverHi, 0x10, icmp(2, 0, 1280, java.util.Arrays.copyOf(data6, 88)));
        Sent syn = capture(node, 1, syn6);
        Sent sentError = capture(node, 1, tooBig);

        assertThat(sentError.port()).isEqualTo(syn.port());
        assertThat(sentError.cookie()).isEqualTo(syn.cookie());
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(node.counters().fromClient()).isEqualTo(2); // toward the server, which the quoted segment left
        assertThat(reply(node, APPLIANCE, syn.port(), sentError.payload())).isNull();
    }

    @Test
    void carriesAnIcmpErrorAboutAnUnknownFlowAsItsOwnFlow() {
        byte[] neverSeen = ipv4Packet(17, CLIENT, SERVER, udp(40001, 9, new byte[16]));
        byte[] unreachable = ipv4Packet(1, SERVER, CLIENT, icmp(3, 3, 0, java.util.Arrays.copyOf(neverSeen, 28)));
        Sent syn = capture(node, 1, SYN);
        Sent sentError = capture(node, 1, unreachable);

        assertThat(node.counters().flows()).isEqualTo(2);
        assertThat(sentError.cookie()).isNotEqualTo(syn.cookie());
        assertThat(reply(node, APPLIANCE, sentError.port(), sentError.payload()))
                .isNull();
        // Its header is its own flow's, not the TCP flow's.
        assertThat(reply(
                        node,
                        APPLIANCE,
                        syn.port(),
                        gwlb(ONE.endpointId(), ONE.attachmentId(), syn.cookie(), unreachable)))
                .isIn(ReplyDropReason.WRONG_OUTER_PORT, ReplyDropReason.HEADER_MISMATCH);
    }

    @Test
    void keepsEveryFragmentOfADatagramOnOneFlow() {
        byte[] first = ipv4Packet(17, CLIENT, SERVER, 0x1234, 0x2000, new byte[0], udp(40000, 5301, new byte[1472]));
        byte[] last = ipv4Packet(17, CLIENT, SERVER, 0x1234, 185, new byte[0], new byte[600]); // offset 1480
        Sent one = capture(node, 1, first);
        Sent two = capture(node, 1, last);

        assertThat(two.port()).isEqualTo(one.port());
        assertThat(two.cookie()).isEqualTo(one.cookie());
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(node.counters().fromClient()).isEqualTo(2);
        assertThat(reply(node, APPLIANCE, one.port(), two.payload())).isNull();
    }

    @Test
    void countsDatagramsToAnotherPortThan6081AsRefusedReplies() {
        node.wrongDestinationPort();

        assertThat(node.counters().returned()).isEqualTo(1);
        assertThat(node.counters().dropped(ReplyDropReason.WRONG_DESTINATION_PORT))
                .isEqualTo(1);
        assertThat(node.counters().replyDropsByLabel()).containsEntry("wrong_destination_port", 1L);
    }

    @Test
    void countsTheInnerPacketsItSendsBySize() {
        capture(node, 1, SYN); // 40 bytes
        capture(node, 1, ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[1500 - 28])));
        capture(node, 1, ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[1501 - 28])));
        capture(node, 1, ipv4Packet(17, CLIENT, SERVER, udp(5000, 6000, new byte[8500 - 28])));

        assertThat(node.counters().innerSizesByClass())
                .containsExactly(
                        java.util.Map.entry("0-1500", 2L),
                        java.util.Map.entry("1501-4096", 1L),
                        java.util.Map.entry("4097-8192", 0L),
                        java.util.Map.entry("8193-8500", 1L));
        assertThat(node.counters().largestInnerPacket()).isEqualTo(8500);
    }

    @Test
    void carriesAnErrorAboutAReassembledDatagramOnTheFlowOfItsFragments() {
        byte[] first = ipv4Packet(17, CLIENT, SERVER, 0x77, 0x2000, new byte[0], udp(40000, 5399, new byte[1472]));
        byte[] last = ipv4Packet(17, CLIENT, SERVER, 0x77, 185, new byte[0], new byte[600]);
        // The server reassembled the datagram and quotes its header, ports included, without fragment flags.
        byte[] reassembledHeader = ipv4Packet(17, CLIENT, SERVER, 0x77, 0, new byte[0], udp(40000, 5399, new byte[0]));
        byte[] unreachable = ipv4Packet(1, SERVER, CLIENT, icmp(3, 3, 0, reassembledHeader));
        Sent sentFirst = capture(node, 1, first);
        capture(node, 1, last);
        Sent sentError = capture(node, 1, unreachable);

        assertThat(sentError.port()).isEqualTo(sentFirst.port());
        assertThat(sentError.cookie()).isEqualTo(sentFirst.cookie());
        assertThat(node.counters().flows()).isEqualTo(1);
        assertThat(reply(node, APPLIANCE, sentFirst.port(), sentError.payload()))
                .isNull();
    }
}
