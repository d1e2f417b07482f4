package org.gwlbinspect.appliance.replay;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.concurrent.TimeoutException;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/**
 * Reads a pcap or pcapng file frame by frame through libpcap (pcap4j), with nanosecond timestamps. Each {@link #next}
 * re-points the accessors at the next frame. libpcap reads pcapng whose interfaces share one link type.
 */
public final class CaptureReader implements AutoCloseable {
    private final Path file;
    private final PcapHandle handle;
    private final int linkType;
    private final String linkTypeName;
    private long index;
    private byte[] frame;
    private long timestampNanos;
    private int originalLength;

    private CaptureReader(Path file, PcapHandle handle) {
        this.file = file;
        this.handle = handle;
        this.linkType = handle.getDlt().value();
        this.linkTypeName = linkTypeName(linkType, handle.getDlt().name());
    }

    /** Opens {@code file}; a missing file or one that is not pcap or pcapng fails with libpcap's reason. */
    public static CaptureReader open(Path file) throws CaptureException {
        if (!Files.isReadable(file)) {
            throw new CaptureException(file, 0, "no such readable file", null);
        }
        try {
            return new CaptureReader(file, Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO));
        } catch (PcapNativeException e) {
            throw new CaptureException(file, 0, e.getMessage(), e);
        }
    }

    /**
     * Moves to the next frame; false at the end of the file.
     *
     * @throws CaptureException when the file breaks off inside a frame or its header, or a header is bogus
     */
    public boolean next() throws CaptureException {
        long next = index + 1;
        try {
            frame = handle.getNextRawPacketEx();
        } catch (EOFException e) {
            return false;
        } catch (PcapNativeException | TimeoutException | NotOpenException e) {
            throw new CaptureException(file, next, libpcapReason(e.getMessage()), e);
        }
        index = next;
        Timestamp ts = handle.getTimestamp();
        timestampNanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
        Integer wire = handle.getOriginalLength();
        originalLength = wire == null ? frame.length : wire;
        return true;
    }

    /** libpcap's description of the link type ({@code Linux cooked v2}); pcap4j 1.8 does not know the newer ones. */
    private static String linkTypeName(int dlt, String pcap4jName) {
        try {
            return Pcaps.dataLinkValToDescription(dlt);
        } catch (PcapNativeException | RuntimeException e) {
            return pcap4jName;
        }
    }

    /** pcap4j prefixes libpcap's message with the function that failed: keep what libpcap said. */
    private static String libpcapReason(String message) {
        if (message == null) return "unreadable packet";
        int colon = message.indexOf("pcap_next_ex(): ");
        return colon >= 0 ? message.substring(colon + "pcap_next_ex(): ".length()) : message;
    }

    public Path file() {
        return file;
    }

    /** The capture's link type as libpcap reports it ({@code pcap_datalink}), see {@link LinkFrame}. */
    public int linkType() {
        return linkType;
    }

    /** The link type's name, e.g. {@code Ethernet}. */
    public String linkTypeName() {
        return linkTypeName;
    }

    /** The 1-based index of the current frame in the file. */
    public long index() {
        return index;
    }

    /** The current frame's captured bytes (a new array per frame). */
    public byte[] frame() {
        return frame;
    }

    /** The current frame's capture time, nanoseconds since the epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** The current frame's length on the wire; larger than {@code frame().length} when the snapshot length cut it. */
    public int originalLength() {
        return originalLength;
    }

    @Override
    public void close() {
        handle.close();
    }
}
