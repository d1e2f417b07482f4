package org.gwlbinspect.appliance.replay;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.geneve.GeneveHeader;

/**
 * Turns the frames of a capture into the GENEVE datagrams GWLB would send for them: the IP packet of each frame
 * wrapped by the {@link GwlbEncapsulator}, or, when the frame already is a GENEVE datagram to UDP 6081 (a capture
 * taken on an appliance), its UDP payload as it is, with the outer addresses and source port it came from.
 *
 * <p>A capture taken on an appliance also holds the appliance's replies, which go to port 6081 as well (gwlb.md §2.1):
 * they are fed too, as a second copy of each returned packet. Capture GWLB's side only ({@code dst host APPLIANCE}).
 */
public final class CaptureFeed {
    /** Outer addresses of encapsulated frames: GWLB's and the appliance's, from the benchmarking range 198.18.0.0/15. */
    public static final int GWLB_ADDRESS = 0xC6120001; // 198.18.0.1

    public static final int APPLIANCE_ADDRESS = 0xC6120002; // 198.18.0.2

    /** A frame captured shorter than it was on the wire (the snapshot length cut it): not replayed. */
    public static final String FRAME_TRUNCATED = "frame_truncated";

    private static final int UDP = 17;
    private static final int UDP_HEADER_LENGTH = 8;

    private final CaptureReader reader;
    private final GwlbEncapsulator encapsulator;
    private final LinkFrame link = new LinkFrame();
    private String skipReason;
    private int gwlbAddress;
    private int gwlbPort;
    private int applianceAddress;
    private boolean geneve;

    public CaptureFeed(CaptureReader reader, GwlbEncapsulator encapsulator) {
        this.reader = reader;
        this.encapsulator = encapsulator;
    }

    /**
     * Reads the next frame and, unless it is skipped ({@link #skipReason()} not null), writes its datagram at {@code
     * out}'s writer index. False at the end of the capture.
     */
    public boolean next(ByteBuf out) throws CaptureException {
        if (!reader.next()) return false;
        byte[] frame = reader.frameBytes();
        int frameLength = reader.frameLength();
        skipReason = null;
        geneve = false;
        if (reader.originalLength() > frameLength) {
            skipReason = FRAME_TRUNCATED;
            return true;
        }
        LinkFrame.Status status = link.decode(reader.linkType(), frame, frameLength);
        if (status != LinkFrame.Status.OK) {
            skipReason = status.label();
            return true;
        }
        int ip = link.ipOffset();
        int ipLength = link.ipLength();
        int udp = geneveUdpOffset(frame, ip, ipLength);
        if (udp >= 0) {
            geneve = true;
            gwlbAddress = u32(frame, ip + 12);
            applianceAddress = u32(frame, ip + 16);
            gwlbPort = LinkFrame.u16(frame, udp);
            int end = Math.min(ip + ipLength, udp + LinkFrame.u16(frame, udp + 4));
            out.writeBytes(frame, udp + UDP_HEADER_LENGTH, end - udp - UDP_HEADER_LENGTH);
            return true;
        }
        encapsulator.encapsulate(frame, ip, ipLength, link.ipVersion(), out);
        gwlbAddress = GWLB_ADDRESS;
        gwlbPort = encapsulator.sourcePort();
        applianceAddress = APPLIANCE_ADDRESS;
        return true;
    }

    /**
     * Where the UDP header of a GENEVE datagram starts: an unfragmented IPv4 packet to UDP port 6081 whose UDP length
     * fits (GWLB's outer header is always IPv4, gwlb.md §0 item 1); -1 for any other packet.
     */
    private static int geneveUdpOffset(byte[] f, int ip, int ipLength) {
        if ((f[ip] & 0xF0) != 0x40 || ipLength < 20) return -1;
        int headerLength = (f[ip] & 0x0F) * 4;
        if (headerLength < 20 || (f[ip + 9] & 0xFF) != UDP) return -1;
        if ((LinkFrame.u16(f, ip + 6) & 0x3FFF) != 0) return -1; // a fragment (MF set or an offset)
        int udp = ip + headerLength;
        if (udp + UDP_HEADER_LENGTH > ip + ipLength) return -1;
        if (LinkFrame.u16(f, udp + 2) != GeneveHeader.PORT) return -1;
        int udpLength = LinkFrame.u16(f, udp + 4);
        return udpLength >= UDP_HEADER_LENGTH && udp + udpLength <= ip + ipLength ? udp : -1;
    }

    private static int u32(byte[] b, int offset) {
        return LinkFrame.u16(b, offset) << 16 | LinkFrame.u16(b, offset + 2);
    }

    /** Why the current frame is not replayed ({@code frame_truncated}, {@code not_ip}, ...), or null. */
    public String skipReason() {
        return skipReason;
    }

    /** True when the current frame was a GENEVE datagram already. */
    public boolean wasGeneve() {
        return geneve;
    }

    public int gwlbAddress() {
        return gwlbAddress;
    }

    public int gwlbPort() {
        return gwlbPort;
    }

    public int applianceAddress() {
        return applianceAddress;
    }

    public CaptureReader reader() {
        return reader;
    }
}
