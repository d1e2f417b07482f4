package org.gwlbinspect.eve;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and how the EVE alert and flow logs are written (policy.md §4).
 *
 * @param alertFile the alert log ({@code event_type: "alert"}); rotated copies get {@code .1}, {@code .2}, ...
 * @param flowFile the flow log ({@code event_type: "netflow"})
 * @param rotateBytes a file is rotated before a record would make it larger than this
 * @param keepFiles rotated copies kept per log, besides the live file ({@code 0} = truncate on rotation)
 * @param ringSize records per producer ring, a power of two; a full ring drops (and counts) the new record
 * @param firewallName the envelope's {@code firewall_name}
 * @param availabilityZone the envelope's {@code availability_zone}
 */
public record EveLogConfig(
        Path alertFile,
        Path flowFile,
        long rotateBytes,
        int keepFiles,
        int ringSize,
        String firewallName,
        String availabilityZone) {

    /** One record line can be a few kilobytes (a 2 KiB url plus escapes); a smaller bound would rotate per record. */
    public static final long MIN_ROTATE_BYTES = 64 * 1024;

    public static final int MAX_KEEP_FILES = 1000;

    public static final int MAX_RING_SIZE = 1 << 20;

    public EveLogConfig {
        Objects.requireNonNull(alertFile, "logs.alertFile must be set");
        Objects.requireNonNull(flowFile, "logs.flowFile must be set");
        if (alertFile
                .toAbsolutePath()
                .normalize()
                .equals(flowFile.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("logs.flowFile must differ from logs.alertFile, both are " + alertFile);
        }
        if (rotateBytes < MIN_ROTATE_BYTES) {
            throw new IllegalArgumentException(
                    "logs.rotateBytes must be at least " + MIN_ROTATE_BYTES + ", got " + rotateBytes);
        }
        if (keepFiles < 0 || keepFiles > MAX_KEEP_FILES) {
            throw new IllegalArgumentException(
                    "logs.keepFiles must be between 0 and " + MAX_KEEP_FILES + ", got " + keepFiles);
        }
        // The ring indexes with (sequence & (size - 1)).
        if (ringSize < 2 || ringSize > MAX_RING_SIZE || Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException(
                    "logs.ringSize must be a power of two between 2 and " + MAX_RING_SIZE + ", got " + ringSize);
        }
        requireText(firewallName, "logs.firewallName");
        requireText(availabilityZone, "logs.availabilityZone");
    }

    private static void requireText(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(key + " must be a non-empty string");
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < 0x20) {
                throw new IllegalArgumentException(key + " must not contain control characters");
            }
        }
    }
}
