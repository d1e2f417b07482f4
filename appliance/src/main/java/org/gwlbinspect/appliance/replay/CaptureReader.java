package org.gwlbinspect.appliance.replay;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/**
 * Reads a pcap or pcapng file frame by frame, with nanosecond timestamps: a flyweight over the file, read a window at
 * a time into one reused native buffer ({@link FileWindow}). Each {@link #next} re-points the accessors at the next
 * frame, whose bytes are copied into one reused array.
 *
 * <p>Why not libpcap through pcap4j, which the stack prefers and which still writes {@code --write-allowed}: a JNA call
 * per frame, a new array, a {@code Timestamp} and a boxed length per frame held replay at 40 000–120 000 frames/s
 * (docs/performance.md), far below the 1 M packets/s the pipeline can take. This reader allocates nothing per frame.
 * It follows libpcap's reading of both formats (libpcap's {@code sf-pcap.c} and {@code sf-pcapng.c}): the same link
 * type numbers ({@code LINKTYPE_RAW} becomes {@code DLT_RAW}), frames longer than the snapshot length cut to it,
 * pcapng interfaces' {@code if_tsresol} and {@code if_tsoffset}, all interfaces of one link type, and the same
 * messages for broken files, naming the packet's index.
 *
 * <p>Pcap: the 24-byte file header (magic {@code a1b2c3d4} for microseconds, {@code a1b23c4d} for nanoseconds, in
 * either byte order), then per frame a 16-byte record header (seconds, fraction, captured length, length on the wire)
 * and the captured bytes. Pcapng (RFC draft-ietf-opsawg-pcapng): blocks of type, total length, body, total length; the
 * Section Header Block sets the byte order, Interface Description Blocks the link type and timestamp resolution,
 * Enhanced, Simple and (obsolete) Packet Blocks carry frames; other blocks are skipped.
 */
public final class CaptureReader implements AutoCloseable {
    /** libpcap's {@code MAXIMUM_SNAPLEN}: a record claiming more is bogus. */
    static final int MAXIMUM_SNAPLEN = 262_144;

    private static final int PCAP_FILE_HEADER = 24;
    private static final int PCAP_RECORD_HEADER = 16;
    private static final int PCAP_MICROS = 0xA1B2C3D4;
    private static final int PCAP_NANOS = 0xA1B23C4D;
    private static final int PCAPNG_SECTION_HEADER = 0x0A0D0D0A;
    private static final int PCAPNG_BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int PCAPNG_INTERFACE_DESCRIPTION = 1;
    private static final int PCAPNG_PACKET = 2;
    private static final int PCAPNG_SIMPLE_PACKET = 3;
    private static final int PCAPNG_ENHANCED_PACKET = 6;
    private static final int PCAPNG_MIN_BLOCK = 12;
    /** libpcap's limit on a pcapng block: larger ones are taken as corruption. */
    private static final long PCAPNG_MAX_BLOCK = 16L << 20;

    private static final int OPTION_END = 0;
    private static final int OPTION_TSRESOL = 9;
    private static final int OPTION_TSOFFSET = 14;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int MAX_INTERFACES = 1024;

    private final Path file;
    private final FileWindow data;
    private final long size;
    private final boolean pcapng;
    private boolean swapped; // the file's byte order is big-endian (the layouts read little-endian)
    private long position;

    // pcap
    private long nanosPerFraction;
    private int snapshotLength;

    // pcapng: per interface of the current section
    private int interfaces;
    private long[] unitsPerSecond = new long[4]; // 10^n or 2^n; negative -n for 2^n
    private long[] offsetSeconds = new long[4];
    private int[] interfaceSnapshotLength = new int[4];

    private int linkType = -1;
    private String linkTypeName;
    private long index;
    private byte[] frame = new byte[1 << 16];
    private int frameLength;
    private long timestampNanos;
    private int originalLength;

    private CaptureReader(Path file, FileWindow data) throws CaptureException {
        this.file = file;
        this.data = data;
        this.size = data.size();
        if (size < 4) throw new CaptureException(file, 0, "truncated dump file; the file is " + size + " bytes", null);
        int magic = int32(0, 0);
        if (magic == PCAPNG_SECTION_HEADER) {
            pcapng = true;
            openPcapng();
        } else {
            pcapng = false;
            openPcap(magic);
        }
        this.linkTypeName = linkTypeName(linkType);
    }

    /** Opens {@code file}; a missing file or one that is not pcap or pcapng fails with the reason. */
    public static CaptureReader open(Path file) throws CaptureException {
        return open(file, FileWindow.DEFAULT_CAPACITY);
    }

    /** {@link #open(Path)} reading {@code windowBytes} at a time (tests: a window smaller than the frames). */
    static CaptureReader open(Path file, int windowBytes) throws CaptureException {
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            throw new CaptureException(file, 0, "no such readable file", null);
        }
        FileWindow data;
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            data = new FileWindow(channel, windowBytes);
        } catch (IOException | UnsupportedOperationException e) {
            CaptureException failure = new CaptureException(file, 0, "cannot open the file: " + e, e);
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException suppressed) {
                    failure.addSuppressed(suppressed);
                }
            }
            throw failure;
        }
        try {
            return new CaptureReader(file, data);
        } catch (CaptureException | RuntimeException e) {
            closeQuietly(data, e);
            throw e;
        }
    }

    private static void closeQuietly(FileWindow data, Exception failure) {
        try {
            data.close();
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    private void openPcap(int magic) throws CaptureException {
        int swappedMagic = Integer.reverseBytes(magic);
        if (magic == PCAP_MICROS || magic == PCAP_NANOS) {
            swapped = false;
        } else if (swappedMagic == PCAP_MICROS || swappedMagic == PCAP_NANOS) {
            swapped = true;
            magic = swappedMagic;
        } else {
            throw new CaptureException(file, 0, "unknown file format", null);
        }
        if (size < PCAP_FILE_HEADER)
            throw new CaptureException(
                    file,
                    0,
                    "truncated dump file; tried to read " + PCAP_FILE_HEADER + " file header bytes, only got " + size,
                    null);
        nanosPerFraction = magic == PCAP_NANOS ? 1 : 1000;
        snapshotLength = u32(16);
        if (snapshotLength <= 0 || snapshotLength > MAXIMUM_SNAPLEN) snapshotLength = MAXIMUM_SNAPLEN;
        linkType = dltOf(u32(20) & 0x03FF_FFFF); // the top bits say whether frames carry an FCS
        position = PCAP_FILE_HEADER;
    }

    /** Reads the Section Header Block and the blocks up to the first interface's, which gives the link type. */
    private void openPcapng() throws CaptureException {
        if (size < 12) throw new CaptureException(file, 0, "truncated pcapng dump file", null);
        int order = int32(8, 0);
        if (order == PCAPNG_BYTE_ORDER_MAGIC) swapped = false;
        else if (Integer.reverseBytes(order) == PCAPNG_BYTE_ORDER_MAGIC) swapped = true;
        else throw new CaptureException(file, 0, "unknown file format (pcapng byte-order magic " + order + ")", null);
        while (linkType < 0) {
            if (position >= size)
                throw new CaptureException(file, 0, "the capture file has no Interface Description Blocks", null);
            int type = u32(position);
            long length = blockLength(0);
            if (type == PCAPNG_ENHANCED_PACKET || type == PCAPNG_SIMPLE_PACKET || type == PCAPNG_PACKET)
                throw new CaptureException(file, 1, "a packet arrived before any Interface Description Block", null);
            readControlBlock(type, 0);
            position += length;
        }
    }

    /**
     * Moves to the next frame; false at the end of the file.
     *
     * @throws CaptureException when the file breaks off inside a frame or its header, or a header is bogus
     */
    public boolean next() throws CaptureException {
        return pcapng ? nextPcapng() : nextPcap();
    }

    private boolean nextPcap() throws CaptureException {
        if (position == size) return false;
        long next = index + 1;
        long left = size - position;
        if (left < PCAP_RECORD_HEADER)
            throw new CaptureException(
                    file,
                    next,
                    "truncated dump file; tried to read " + PCAP_RECORD_HEADER + " header bytes, only got " + left,
                    null);
        long seconds = Integer.toUnsignedLong(u32(position));
        long fraction = Integer.toUnsignedLong(u32(position + 4));
        long captured = Integer.toUnsignedLong(u32(position + 8));
        long wire = Integer.toUnsignedLong(u32(position + 12));
        if (captured > MAXIMUM_SNAPLEN)
            throw new CaptureException(
                    file,
                    next,
                    "invalid packet capture length " + captured + ", bigger than the maximum of " + MAXIMUM_SNAPLEN,
                    null);
        if (left - PCAP_RECORD_HEADER < captured)
            throw new CaptureException(
                    file,
                    next,
                    "truncated dump file; tried to read " + captured + " captured bytes, only got "
                            + (left - PCAP_RECORD_HEADER),
                    null);
        // As libpcap: a frame longer than the file's snapshot length is cut to it (and then skipped as truncated).
        int kept = (int) Math.min(captured, snapshotLength);
        copyFrame(position + PCAP_RECORD_HEADER, kept, next);
        originalLength = (int) Math.min(Integer.MAX_VALUE, Math.max(wire, kept));
        timestampNanos = seconds * NANOS_PER_SECOND + fraction * nanosPerFraction;
        position += PCAP_RECORD_HEADER + captured;
        index = next;
        return true;
    }

    private boolean nextPcapng() throws CaptureException {
        long next = index + 1;
        while (position < size) {
            int type = u32(position); // a Section Header Block's type reads the same in both byte orders
            if (type == PCAPNG_SECTION_HEADER && size - position >= 12)
                swapped = int32(position + 8, next) != PCAPNG_BYTE_ORDER_MAGIC; // before its length is read
            long length = blockLength(next);
            long block = position;
            position += length;
            switch (type) {
                case PCAPNG_ENHANCED_PACKET, PCAPNG_PACKET -> {
                    if (length < 32) throw bogus(next, "packet block of " + length + " bytes");
                    int iface = type == PCAPNG_PACKET ? u16(block + 8) : u32(block + 8);
                    long units =
                            Integer.toUnsignedLong(u32(block + 12)) << 32 | Integer.toUnsignedLong(u32(block + 16));
                    long captured = Integer.toUnsignedLong(u32(block + 20));
                    long wire = Integer.toUnsignedLong(u32(block + 24));
                    if (iface < 0 || iface >= interfaces)
                        throw bogus(
                                next,
                                "a packet arrived on interface " + Integer.toUnsignedString(iface)
                                        + ", but there's no Interface Description Block for that interface");
                    if (captured > length - 32)
                        throw bogus(
                                next,
                                "its captured length " + captured + " is larger than its block (" + length + " bytes)");
                    int kept = (int) Math.min(captured, interfaceSnapshotLength[iface]);
                    copyFrame(block + 28, kept, next);
                    originalLength = (int) Math.min(Integer.MAX_VALUE, Math.max(wire, kept));
                    timestampNanos = nanos(units, iface);
                    index = next;
                    return true;
                }
                case PCAPNG_SIMPLE_PACKET -> {
                    if (length < 16) throw bogus(next, "simple packet block of " + length + " bytes");
                    if (interfaces == 0) throw bogus(next, "a packet arrived before any Interface Description Block");
                    long wire = Integer.toUnsignedLong(u32(block + 8));
                    int kept = (int) Math.min(Math.min(wire, length - 16), interfaceSnapshotLength[0]);
                    copyFrame(block + 12, kept, next);
                    originalLength = (int) Math.min(Integer.MAX_VALUE, Math.max(wire, kept));
                    timestampNanos = 0; // a Simple Packet Block has no timestamp
                    index = next;
                    return true;
                }
                default -> {
                    position = block;
                    readControlBlock(type, next);
                    position = block + length;
                }
            }
        }
        return false;
    }

    /** The length of the block at {@code position}, checked against the file and libpcap's limits. */
    private long blockLength(long packet) throws CaptureException {
        long left = size - position;
        if (left < PCAPNG_MIN_BLOCK)
            throw new CaptureException(
                    file,
                    packet,
                    "truncated pcapng dump file; tried to read " + PCAPNG_MIN_BLOCK + " bytes, only got " + left,
                    null);
        long length = Integer.toUnsignedLong(u32(position + 4));
        if (length < PCAPNG_MIN_BLOCK || (length & 3) != 0)
            throw bogus(
                    packet, "block in pcapng dump file has a length of " + length + " (< 12 or not a multiple of 4)");
        if (length > PCAPNG_MAX_BLOCK)
            throw bogus(packet, "pcapng block size " + length + " > maximum " + PCAPNG_MAX_BLOCK);
        if (length > left)
            throw new CaptureException(
                    file,
                    packet,
                    "truncated pcapng dump file; tried to read " + length + " bytes, only got " + left,
                    null);
        return length;
    }

    /** A Section Header Block (a new section: new byte order, no interfaces) or an interface's; others are skipped. */
    private void readControlBlock(int type, long packet) throws CaptureException {
        long block = position;
        if (type == PCAPNG_SECTION_HEADER) {
            int order = int32(block + 8, packet);
            swapped = order != PCAPNG_BYTE_ORDER_MAGIC;
            interfaces = 0;
        } else if (type == PCAPNG_INTERFACE_DESCRIPTION) {
            long length = Integer.toUnsignedLong(u32(block + 4));
            if (length < 20) throw bogus(packet, "Interface Description Block of " + length + " bytes");
            int dlt = dltOf(u16(block + 8));
            if (linkType >= 0 && dlt != linkType)
                throw bogus(
                        packet,
                        "an interface has a type " + dlt + " different from the type of the first interface ("
                                + linkType + "); captures with several link types are not supported");
            if (interfaces == MAX_INTERFACES) throw bogus(packet, "more than " + MAX_INTERFACES + " interfaces");
            if (interfaces == unitsPerSecond.length) {
                unitsPerSecond = Arrays.copyOf(unitsPerSecond, interfaces * 2);
                offsetSeconds = Arrays.copyOf(offsetSeconds, interfaces * 2);
                interfaceSnapshotLength = Arrays.copyOf(interfaceSnapshotLength, interfaces * 2);
            }
            int snap = u32(block + 12);
            interfaceSnapshotLength[interfaces] = snap <= 0 || snap > MAXIMUM_SNAPLEN ? MAXIMUM_SNAPLEN : snap;
            unitsPerSecond[interfaces] = 1_000_000; // the default resolution: microseconds
            offsetSeconds[interfaces] = 0;
            readInterfaceOptions(block + 16, block + length - 4, interfaces, packet);
            linkType = dlt;
            interfaces++;
        }
    }

    private void readInterfaceOptions(long at, long end, int iface, long packet) throws CaptureException {
        while (at + 4 <= end) {
            int code = u16(at);
            int length = u16(at + 2);
            long value = at + 4;
            if (code == OPTION_END) return;
            if (value + length > end) throw bogus(packet, "an interface option overruns its block");
            if (code == OPTION_TSRESOL && length >= 1) {
                int resolution = (int) read(value, 1, packet) & 0xFF;
                int exponent = resolution & 0x7F;
                boolean binary = (resolution & 0x80) != 0;
                if (binary ? exponent > 63 : exponent > 18)
                    throw bogus(packet, "if_tsresol " + resolution + " is out of range");
                unitsPerSecond[iface] = binary ? -exponent : pow10(exponent);
            } else if (code == OPTION_TSOFFSET && length >= 8) {
                long v = read(value, 8, packet);
                offsetSeconds[iface] = swapped ? Long.reverseBytes(v) : v;
            }
            at = value + ((length + 3) & ~3);
        }
    }

    private long nanos(long units, int iface) {
        long perSecond = unitsPerSecond[iface];
        long offset = offsetSeconds[iface] * NANOS_PER_SECOND;
        if (perSecond > 0) {
            if (perSecond == 1_000_000) return units * 1000 + offset; // the common case first
            if (perSecond <= NANOS_PER_SECOND) return units * (NANOS_PER_SECOND / perSecond) + offset;
            return units / (perSecond / NANOS_PER_SECOND) + offset;
        }
        int shift = (int) -perSecond;
        if (shift == 0) return units * NANOS_PER_SECOND + offset;
        long whole = units >>> shift;
        long fraction = units & ((1L << shift) - 1);
        // fraction × 10^9 / 2^shift without overflow: the 128-bit product shifted right.
        long low = fraction * NANOS_PER_SECOND;
        long high = Math.multiplyHigh(fraction, NANOS_PER_SECOND);
        long part = (low >>> shift) | (shift == 64 ? 0 : high << (64 - shift));
        return whole * NANOS_PER_SECOND + part + offset;
    }

    private static long pow10(int exponent) {
        long v = 1;
        for (int i = 0; i < exponent; i++) v *= 10;
        return v;
    }

    private void copyFrame(long from, int length, long packet) throws CaptureException {
        if (length > frame.length) frame = new byte[Math.max(length, frame.length * 2)]; // rare: grows, never shrinks
        try {
            data.copy(from, frame, length);
        } catch (IOException e) {
            throw unreadable(packet, e);
        }
        frameLength = length;
    }

    private CaptureException unreadable(long packet, IOException e) {
        return new CaptureException(file, packet, "cannot read the file: " + e.getMessage(), e);
    }

    private CaptureException bogus(long packet, String problem) {
        return new CaptureException(file, packet, problem, null);
    }

    /** The 32-bit word at {@code offset} in the section's byte order. */
    private int u32(long offset) throws CaptureException {
        int v = int32(offset, linkType < 0 ? 0 : index + 1); // while opening: the file, no packet yet
        return swapped ? Integer.reverseBytes(v) : v;
    }

    private int u16(long offset) throws CaptureException {
        short v = (short) read(offset, 2, linkType < 0 ? 0 : index + 1);
        return (swapped ? Short.reverseBytes(v) : v) & 0xFFFF;
    }

    /** The little-endian 32-bit word at {@code offset}, whatever the byte order. */
    private int int32(long offset, long packet) throws CaptureException {
        return (int) read(offset, 4, packet);
    }

    /** The little-endian value of 1, 2, 4 or 8 bytes at {@code offset}, which lie within the file. */
    private long read(long offset, int bytes, long packet) throws CaptureException {
        try {
            return switch (bytes) {
                case 1 -> data.getByte(offset);
                case 2 -> data.getShort(offset);
                case 4 -> data.getInt(offset);
                default -> data.getLong(offset);
            };
        } catch (IOException e) {
            throw unreadable(packet, e);
        }
    }

    /** libpcap's {@code linktype_to_dlt}: the file's LINKTYPE values where they differ from the DLT values. */
    private static int dltOf(int linkType) {
        return switch (linkType) {
            case LinkFrame.LINKTYPE_RAW -> LinkFrame.DLT_RAW;
            case 100 -> 11; // LINKTYPE_ATM_RFC1483
            default -> linkType;
        };
    }

    /** libpcap's description of the link type ({@code Linux cooked v2}). */
    private static String linkTypeName(int dlt) {
        return switch (dlt) {
            case LinkFrame.DLT_NULL -> "BSD loopback";
            case LinkFrame.DLT_EN10MB -> "Ethernet";
            case LinkFrame.DLT_RAW, LinkFrame.DLT_RAW_OPENBSD -> "Raw IP";
            case LinkFrame.DLT_LOOP -> "OpenBSD loopback";
            case LinkFrame.DLT_LINUX_SLL -> "Linux cooked v1";
            case LinkFrame.DLT_IPV4 -> "Raw IPv4";
            case LinkFrame.DLT_IPV6 -> "Raw IPv6";
            case LinkFrame.DLT_LINUX_SLL2 -> "Linux cooked v2";
            default -> {
                // Not one the replay can unwrap: ask libpcap for its name, for the message.
                try {
                    String name = Pcaps.dataLinkValToDescription(dlt);
                    yield name == null ? "link type " + dlt : name;
                } catch (PcapNativeException | RuntimeException | LinkageError e) {
                    yield "link type " + dlt;
                }
            }
        };
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

    /** A copy of the current frame's captured bytes (a new array per frame; the replay loop uses {@link #frameBytes}). */
    public byte[] frame() {
        return Arrays.copyOf(frame, frameLength);
    }

    /** The current frame's captured bytes at {@code [0, frameLength())}: an array reused for every frame. */
    public byte[] frameBytes() {
        return frame;
    }

    /** How many bytes of the current frame were captured. */
    public int frameLength() {
        return frameLength;
    }

    /** The current frame's capture time, nanoseconds since the epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** The current frame's length on the wire; larger than {@link #frameLength()} when the snapshot length cut it. */
    public int originalLength() {
        return originalLength;
    }

    @Override
    public void close() {
        try {
            data.close();
        } catch (IOException e) {
            // read-only: nothing written can be lost
        }
    }
}
