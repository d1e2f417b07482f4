package org.gwlbinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gwlbinspect.appliance.ApplianceConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dataPlane.busyPollMicros}: read from the YAML, off by default, out-of-range values refused by name. */
class DataPlaneBusyPollConfigTest {

    private static ApplianceConfiguration load(Path dir, String busyPoll) throws Exception {
        Path yaml = Files.writeString(dir.resolve("appliance.yml"), "dataPlane:\n  busyPollMicros: " + busyPoll + "\n");
        return new YamlConfigurationFactory<>(
                        ApplianceConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(yaml.toFile());
    }

    @Test
    void readsTheWindowFromTheYaml(@TempDir Path dir) throws Exception {
        assertThat(load(dir, "75").getDataPlane().build().busyPollMicros()).isEqualTo(75);
    }

    @Test
    void isOffByDefault() {
        assertThat(new DataPlaneFactory().build().busyPollMicros()).isZero();
    }

    @Test
    void theYamlValidationNamesTheKeyAndTheBound(@TempDir Path dir) {
        assertThatThrownBy(() -> load(dir, "-1"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("dataPlane.busyPollMicros must be greater than or equal to 0");
        assertThatThrownBy(() -> load(dir, "1001"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("dataPlane.busyPollMicros must be less than or equal to 1000");
    }

    @Test
    void theYamlRefusesANonInteger(@TempDir Path dir) {
        assertThatThrownBy(() -> load(dir, "50us")).hasMessageContaining("busyPollMicros");
    }

    @Test
    void theRecordRefusesOutOfRangeWindowsWithAPreciseMessage() {
        DataPlaneFactory factory = new DataPlaneFactory();
        factory.setBusyPollMicros(-5);
        assertThatThrownBy(factory::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dataPlane.busyPollMicros must be 0 (off)..1000 microseconds, got -5");
        factory.setBusyPollMicros(1001);
        assertThatThrownBy(factory::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dataPlane.busyPollMicros must be 0 (off)..1000 microseconds, got 1001");
        factory.setBusyPollMicros(1000);
        assertThat(factory.build().busyPollMicros()).isEqualTo(1000);
    }
}
