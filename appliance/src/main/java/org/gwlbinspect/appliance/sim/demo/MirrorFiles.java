package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The download mirror's files: {@link DemoSite#MARKER_PAGE}, {@link DemoSite#CLEAN_DOWNLOAD}, {@link DemoSite#BLOCKED_DOWNLOAD}. */
public final class MirrorFiles {
    /**
     * Bytes of marker lines at the middle of the blocked download. The appliance matches the response packet by packet
     * (the server's stream is not reassembled), so one copy could straddle two segments and slip through; a run much
     * longer than any segment (64 KiB, the largest GSO segment) puts whole copies in every packet of it.
     */
    static final int MARKER_RUN_BYTES = 128 << 10;

    private MirrorFiles() {}

    /** Writes the three files into {@code root} (which must exist). */
    public static void write(Path root) throws IOException {
        Files.writeString(root.resolve(relative(DemoSite.MARKER_PAGE)), markerPage(), StandardCharsets.US_ASCII);
        writeDownload(root.resolve(relative(DemoSite.CLEAN_DOWNLOAD)), false);
        writeDownload(root.resolve(relative(DemoSite.BLOCKED_DOWNLOAD)), true);
    }

    static String markerPage() {
        return "<html><body><p>This page carries " + DemoSite.BLOCKED_MARKER + ", which the demo policy blocks.</p>"
                + "</body></html>\n";
    }

    /**
     * Filler lines of {@link DemoSite#DOWNLOAD_BYTES} in total; with {@code marker}, the second half starts with
     * {@link #MARKER_RUN_BYTES} of marker lines.
     */
    static void writeDownload(Path file, boolean marker) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            int half = DemoSite.DOWNLOAD_BYTES / 2;
            int written = fill(out, 0, half, "clean");
            if (marker) written = fill(out, written, written + MARKER_RUN_BYTES, DemoSite.BLOCKED_MARKER);
            fill(out, written, DemoSite.DOWNLOAD_BYTES, "clean");
        }
    }

    /** Writes numbered lines from offset {@code from} up to exactly {@code to}; returns {@code to}. */
    private static int fill(OutputStream out, int from, int to, String word) throws IOException {
        int offset = from;
        while (offset < to) {
            byte[] line = String.format("%s %010d\n", word, offset).getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(line.length, to - offset);
            out.write(line, 0, n);
            offset += n;
        }
        return to;
    }

    private static String relative(String urlPath) {
        return urlPath.substring(1);
    }
}
