package org.gwlbinspect.appliance.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes classic pcap files (microsecond timestamps, little-endian) byte by byte, for captures no tool makes. */
final class PcapFiles {
    private static final int MAGIC_MICROS = 0xA1B2C3D4;

    /** One record: its capture time, its bytes, and its length on the wire (larger when the snapshot cut it). */
    record Frame(long epochMicros, byte[] bytes, int wireLength) {
        Frame(long epochMicros, byte[] bytes) {
            this(epochMicros, bytes, bytes.length);
        }
    }

    private final int linkType;
    private final List<Frame> frames = new ArrayList<>();

    PcapFiles(int linkType) {
        this.linkType = linkType;
    }

    PcapFiles add(long epochMicros, byte[] bytes) {
        frames.add(new Frame(epochMicros, bytes));
        return this;
    }

    PcapFiles add(Frame frame) {
        frames.add(frame);
        return this;
    }

    Path write(Path file) throws IOException {
        int size = 24;
        for (Frame f : frames) size += 16 + f.bytes().length;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
        b.putInt(262_144).putInt(linkType);
        for (Frame f : frames) {
            b.putInt((int) (f.epochMicros() / 1_000_000)).putInt((int) (f.epochMicros() % 1_000_000));
            b.putInt(f.bytes().length).putInt(f.wireLength()).put(f.bytes());
        }
        Files.write(file, b.array());
        return file;
    }

    /** An Ethernet frame (zero MACs, as tcpdump shows Linux {@code lo}) carrying {@code payload} as {@code etherType}. */
    static byte[] ethernet(int etherType, byte[] payload) {
        byte[] frame = new byte[14 + payload.length];
        frame[12] = (byte) (etherType >>> 8);
        frame[13] = (byte) etherType;
        System.arraycopy(payload, 0, frame, 14, payload.length);
        return frame;
    }

    /** Byte offset of record {@code index} (1-based) in a pcap file: the global header, then each record. */
    static long recordOffset(byte[] pcap, int index) {
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        long offset = 24;
        for (int i = 1; i < index; i++) offset += 16 + b.getInt((int) offset + 8);
        return offset;
    }

    private PcapFiles() {
        this(1);
    }
}
