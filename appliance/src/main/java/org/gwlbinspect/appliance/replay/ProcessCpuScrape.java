package org.gwlbinspect.appliance.replay;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads a process's CPU time from its Prometheus text endpoint, for the load test's CPU per packet: Micrometer's
 * {@code process_cpu_time_ns_total} (what the appliance exposes, from {@code OperatingSystemMXBean}), or the Prometheus
 * client convention {@code process_cpu_seconds_total} of other targets.
 */
final class ProcessCpuScrape {
    static final String MICROMETER_NANOS = "process_cpu_time_ns_total";
    static final String PROMETHEUS_SECONDS = "process_cpu_seconds_total";

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private ProcessCpuScrape() {}

    /** The CPU seconds the endpoint reports now. */
    static double cpuSeconds(URI metrics) throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        HttpResponse<String> response;
        try {
            response = client.send(
                    HttpRequest.newBuilder(metrics).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("--metrics " + metrics + ": interrupted", e);
        } catch (IOException e) {
            throw new IOException("--metrics " + metrics + ": " + e, e);
        } finally {
            client.close();
        }
        if (response.statusCode() != 200)
            throw new IOException("--metrics " + metrics + ": HTTP " + response.statusCode());
        return cpuSeconds(response.body(), metrics);
    }

    /** The CPU seconds in a Prometheus text exposition. */
    static double cpuSeconds(String exposition, Object source) throws IOException {
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#")) continue;
            // name{labels} value [timestamp]
            int end = line.indexOf(' ');
            int labels = line.indexOf('{');
            boolean labelled = labels >= 0 && (end < 0 || labels < end);
            if (labelled) end = labels;
            if (end <= 0) continue;
            String name = line.substring(0, end);
            boolean nanos = name.equals(MICROMETER_NANOS);
            if (!nanos && !name.equals(PROMETHEUS_SECONDS)) continue;
            String rest = labelled ? line.substring(line.indexOf('}', labels) + 1) : line.substring(end);
            try {
                double value = Double.parseDouble(rest.trim().split("\\s+")[0]);
                return nanos ? value / 1e9 : value;
            } catch (NumberFormatException e) {
                throw new IOException(source + ": cannot read " + line, e);
            }
        }
        throw new IOException(source + ": neither " + MICROMETER_NANOS + " nor " + PROMETHEUS_SECONDS + " found");
    }
}
