package org.gwlbinspect.appliance.replay;

import java.nio.file.Path;

/**
 * A capture file that cannot be read: not a pcap or pcapng file, or broken (truncated, a bogus record length) at a
 * packet, which the message names by its 1-based index in the file, as Wireshark numbers frames.
 */
public final class CaptureException extends Exception {
    private static final long serialVersionUID = 1L;

    private final long packetIndex;

    CaptureException(Path file, long packetIndex, String problem, Throwable cause) {
        super(
                packetIndex == 0
                        ? file + ": cannot read the capture: " + problem
                        : file + ": packet " + packetIndex + ": " + problem
                                + (packetIndex > 1
                                        ? " (the " + (packetIndex - 1) + " packets before it were read)"
                                        : ""),
                cause);
        this.packetIndex = packetIndex;
    }

    /** The 1-based index of the packet the file breaks at; 0 when the file itself cannot be opened. */
    public long packetIndex() {
        return packetIndex;
    }
}
