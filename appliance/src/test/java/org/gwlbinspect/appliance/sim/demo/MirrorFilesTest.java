package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorFilesTest {
    @Test
    void blockedDownloadCarriesTheMarkerOnlyFromItsMiddleAndTheCleanOneNever(@TempDir Path root) throws Exception {
        MirrorFiles.write(root);

        String clean = Files.readString(root.resolve("clean.bin"), StandardCharsets.US_ASCII);
        String blocked = Files.readString(root.resolve("blocked.bin"), StandardCharsets.US_ASCII);
        assertThat(clean).hasSize(DemoSite.DOWNLOAD_BYTES).doesNotContain(DemoSite.BLOCKED_MARKER);
        assertThat(blocked).hasSize(DemoSite.DOWNLOAD_BYTES);
        int half = DemoSite.DOWNLOAD_BYTES / 2;
        assertThat(blocked.indexOf(DemoSite.BLOCKED_MARKER)).isEqualTo(half);
        // A whole copy of the marker in every 128-byte window of the run: every packet of it holds whole copies.
        String run = blocked.substring(half, half + MirrorFiles.MARKER_RUN_BYTES - 64);
        for (int offset = 0; offset + 2 * 64 <= run.length(); offset += 64)
            assertThat(run.substring(offset, offset + 2 * 64)).contains(DemoSite.BLOCKED_MARKER);
        assertThat(blocked.lastIndexOf(DemoSite.BLOCKED_MARKER))
                .isBetween(half + MirrorFiles.MARKER_RUN_BYTES - 2 * 64, half + MirrorFiles.MARKER_RUN_BYTES);
    }

    @Test
    void markerPageHoldsTheMarker(@TempDir Path root) throws Exception {
        MirrorFiles.write(root);

        assertThat(Files.readString(root.resolve("marker.html"))).contains(DemoSite.BLOCKED_MARKER);
    }
}
