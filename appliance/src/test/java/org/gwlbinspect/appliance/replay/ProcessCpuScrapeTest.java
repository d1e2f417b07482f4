package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class ProcessCpuScrapeTest {
    @Test
    void readsMicrometersNanosecondCounter() throws Exception {
        String text = "# HELP process_cpu_time_ns_total The \"cpu time\" used by the Java Virtual Machine process\n"
                + "# TYPE process_cpu_time_ns_total counter\n"
                + "process_cpu_usage 0.25\n"
                + "process_cpu_time_ns_total 2.5E9\n";
        assertThat(ProcessCpuScrape.cpuSeconds(text, "test")).isCloseTo(2.5, within(1e-9));
    }

    @Test
    void readsThePrometheusSecondsCounterWithLabelsAndATimestamp() throws Exception {
        String text = "process_cpu_seconds_total{job=\"x\"} 12.75 1700000000000\n";
        assertThat(ProcessCpuScrape.cpuSeconds(text, "test")).isCloseTo(12.75, within(1e-9));
    }

    @Test
    void saysWhichCountersItLookedForWhenNoneIsThere() {
        assertThatThrownBy(() -> ProcessCpuScrape.cpuSeconds("process_cpu_usage 0.5\n", "http://h/metrics"))
                .isInstanceOf(IOException.class)
                .hasMessage("http://h/metrics: neither process_cpu_time_ns_total nor process_cpu_seconds_total found");
    }
}
