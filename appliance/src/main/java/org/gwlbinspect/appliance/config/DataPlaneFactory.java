package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.List;

/** The {@code dataPlane} section of the YAML configuration: where and how GENEVE is received. */
public class DataPlaneFactory {
    /** 0 means "one worker per available processor". */
    static final int WORKERS_PER_CORE = 0;

    @NotEmpty
    private String bindAddress = "0.0.0.0";

    @Min(1)
    @Max(65535)
    private int port = 6081;

    @Min(0)
    @Max(1024)
    private int workers = WORKERS_PER_CORE;

    @NotNull
    private List<String> allowedSources = List.of("0.0.0.0/0");

    // gwlb.md §0 item 9: 8500-byte inner packets + 68 bytes of headers; a 9001-MTU ENI carries UDP payloads up to 8973.
    @Min(8568)
    @Max(65507)
    private int maxDatagramBytes = 9216;

    @Min(1)
    @Max(1024)
    private int batchSize = 64;

    // Loopback bursts overflow the kernel's 208 KiB default (stack.md); the kernel caps this at 2 x net.core.rmem_max.
    @Min(65536)
    private int receiveBufferBytes = 16 * 1024 * 1024;

    @Min(1)
    @Max(255)
    private int returnTtl = 64;

    // 0 = off; docs/performance.md, "Sixth round (busy poll)" for the measurements behind the default.
    @Min(0)
    @Max(DataPlaneConfig.MAX_BUSY_POLL_MICROS)
    private int busyPollMicros = 0;

    @JsonProperty
    public int getBusyPollMicros() {
        return busyPollMicros;
    }

    @JsonProperty
    public void setBusyPollMicros(int busyPollMicros) {
        this.busyPollMicros = busyPollMicros;
    }

    @JsonProperty
    public String getBindAddress() {
        return bindAddress;
    }

    @JsonProperty
    public void setBindAddress(String bindAddress) {
        this.bindAddress = bindAddress;
    }

    @JsonProperty
    public int getPort() {
        return port;
    }

    @JsonProperty
    public void setPort(int port) {
        this.port = port;
    }

    @JsonProperty
    public int getWorkers() {
        return workers;
    }

    @JsonProperty
    public void setWorkers(int workers) {
        this.workers = workers;
    }

    @JsonProperty
    public List<String> getAllowedSources() {
        return allowedSources;
    }

    @JsonProperty
    public void setAllowedSources(List<String> allowedSources) {
        this.allowedSources = allowedSources;
    }

    @JsonProperty
    public int getMaxDatagramBytes() {
        return maxDatagramBytes;
    }

    @JsonProperty
    public void setMaxDatagramBytes(int maxDatagramBytes) {
        this.maxDatagramBytes = maxDatagramBytes;
    }

    @JsonProperty
    public int getBatchSize() {
        return batchSize;
    }

    @JsonProperty
    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    @JsonProperty
    public int getReceiveBufferBytes() {
        return receiveBufferBytes;
    }

    @JsonProperty
    public void setReceiveBufferBytes(int receiveBufferBytes) {
        this.receiveBufferBytes = receiveBufferBytes;
    }

    @JsonProperty
    public int getReturnTtl() {
        return returnTtl;
    }

    @JsonProperty
    public void setReturnTtl(int returnTtl) {
        this.returnTtl = returnTtl;
    }

    /** Converts the YAML bean into the validated record the data plane takes; a bad value names its key. */
    public DataPlaneConfig build() {
        int resolvedWorkers = workers == WORKERS_PER_CORE ? Runtime.getRuntime().availableProcessors() : workers;
        return new DataPlaneConfig(
                Ipv4Addresses.parse("dataPlane.bindAddress", bindAddress),
                port,
                resolvedWorkers,
                Ipv4CidrSet.parse("dataPlane.allowedSources", allowedSources),
                maxDatagramBytes,
                batchSize,
                receiveBufferBytes,
                returnTtl,
                busyPollMicros);
    }
}
