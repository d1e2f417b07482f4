package org.gwlbinspect.eve;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RotatingFile} on a file system that fills up in the middle of one buffer's write. */
class RotatingFileTest {

    private static final int LINE = 100; // bytes per record, newline included

    private static byte[] line(int i) {
        String text = String.format("{\"record\":%06d,\"pad\":\"%s\"}", i, "x".repeat(LINE - 27));
        return (text + "\n").getBytes(US_ASCII);
    }

    @Test
    void aDiskFullInTheMiddleOfABufferKeepsTheWholeLinesThatFitAndCountsTheRestDiscarded(@TempDir Path dir)
            throws Exception {
        assertThat(line(0)).hasSize(LINE);
        Path mount = Files.createDirectory(dir.resolve("tmpfs"));
        run("mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "gwlbinspect-rotating-test", mount.toString());
        try {
            Path log = mount.resolve("alert.json");
            RotatingFile file = new RotatingFile(log, 1 << 30, 0, 64 * 1024, WriteErrorReporter.everyMinute());
            // 400 records (40 000 bytes) in one buffer, one flush: the 16 KiB file system takes the first 16 384
            // bytes, i.e. 163 whole lines and part of the 164th.
            for (int i = 0; i < 400; i++) file.append(line(i), 0, LINE);
            file.flush();

            List<String> lines = Files.readAllLines(log, US_ASCII);
            assertThat(Files.size(log)).isEqualTo(163L * LINE); // the partial line cut off
            assertThat(lines).hasSize(163);
            for (int i = 0; i < lines.size(); i++)
                assertThat(lines.get(i) + "\n").isEqualTo(new String(line(i), US_ASCII));
            assertThat(file.recordsWritten()).isEqualTo(163);
            assertThat(file.bytesWritten()).isEqualTo(163L * LINE);
            assertThat(file.recordsDiscarded()).isEqualTo(400 - 163);
            file.close();
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " timed out");
        }
        assertThat(process.exitValue())
                .as(String.join(" ", command) + ": "
                        + new String(process.getInputStream().readAllBytes(), US_ASCII))
                .isZero();
    }
}
