package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.gwlbinspect.eve.EveLogConfig;

/**
 * The {@code logs} section: NFW's alert and flow logs as EVE JSON lines (policy.md §4, docs/logs.md). The defaults
 * write under {@code /var/log/gwlb-inspect}, the directory the systemd unit creates for the service user.
 */
public class LogsFactory {
    private boolean enabled = true;

    private String alertFile = "/var/log/gwlb-inspect/alert.json";

    private String flowFile = "/var/log/gwlb-inspect/flow.json";

    @Min(EveLogConfig.MIN_ROTATE_BYTES)
    private long rotateBytes = 100L * 1024 * 1024;

    @Min(0)
    @Max(EveLogConfig.MAX_KEEP_FILES)
    private int keepFiles = 5;

    /** Records per producing thread's ring (power of two); each holds about 3.5 KiB (bounded http/tls fields). */
    @Min(2)
    @Max(EveLogConfig.MAX_RING_SIZE)
    private int ringSize = 4096;

    /** The envelope's {@code firewall_name}: the name NFW would show for this firewall. */
    private String firewallName = "gwlb-inspect";

    /** The envelope's {@code availability_zone}, e.g. {@code us-east-1a}: set it per instance. */
    private String availabilityZone = "unknown";

    @JsonProperty
    public boolean isEnabled() {
        return enabled;
    }

    @JsonProperty
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @JsonProperty
    public String getAlertFile() {
        return alertFile;
    }

    @JsonProperty
    public void setAlertFile(String alertFile) {
        this.alertFile = alertFile;
    }

    @JsonProperty
    public String getFlowFile() {
        return flowFile;
    }

    @JsonProperty
    public void setFlowFile(String flowFile) {
        this.flowFile = flowFile;
    }

    @JsonProperty
    public long getRotateBytes() {
        return rotateBytes;
    }

    @JsonProperty
    public void setRotateBytes(long rotateBytes) {
        this.rotateBytes = rotateBytes;
    }

    @JsonProperty
    public int getKeepFiles() {
        return keepFiles;
    }

    @JsonProperty
    public void setKeepFiles(int keepFiles) {
        this.keepFiles = keepFiles;
    }

    @JsonProperty
    public int getRingSize() {
        return ringSize;
    }

    @JsonProperty
    public void setRingSize(int ringSize) {
        this.ringSize = ringSize;
    }

    @JsonProperty
    public String getFirewallName() {
        return firewallName;
    }

    @JsonProperty
    public void setFirewallName(String firewallName) {
        this.firewallName = firewallName;
    }

    @JsonProperty
    public String getAvailabilityZone() {
        return availabilityZone;
    }

    @JsonProperty
    public void setAvailabilityZone(String availabilityZone) {
        this.availabilityZone = availabilityZone;
    }

    /**
     * The validated log settings; an invalid value fails here with its key ({@code logs.ringSize must be a power of
     * two ...}). Only called when {@link #isEnabled()}: a disabled section is not checked.
     */
    public EveLogConfig build() {
        return new EveLogConfig(
                path("logs.alertFile", alertFile),
                path("logs.flowFile", flowFile),
                rotateBytes,
                keepFiles,
                ringSize,
                firewallName,
                availabilityZone);
    }

    private static Path path(String key, String value) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException(key + " must be a file path");
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not a valid path: " + e.getReason(), e);
        }
    }
}
