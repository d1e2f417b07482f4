package org.gwlbinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Path;
import org.gwlbinspect.appliance.ApplianceConfiguration;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.detect.PolicyCompiler;
import org.junit.jupiter.api.Test;

/** A bad configuration stops the appliance at start with the key and the reason. */
class ConfigurationIT {

    @Test
    void badAllowedSourceFailsStartNamingTheKey() {
        assertThatThrownBy(() -> TestAppliance.start("dataPlane.allowedSources[0]=10.1.2.3/8")
                        .close())
                .hasStackTraceContaining("dataPlane.allowedSources[0]: '10.1.2.3/8' has host bits set");
    }

    @Test
    void badBindAddressFailsStartNamingTheKey() {
        assertThatThrownBy(() ->
                        TestAppliance.start("dataPlane.bindAddress=localhost").close())
                .hasStackTraceContaining("dataPlane.bindAddress: 'localhost' is not an IPv4 address");
    }

    @Test
    void outOfRangeValuesAreRejectedByValidationWithTheirPath() {
        assertThatThrownBy(() -> TestAppliance.start("dataPlane.batchSize=2000").close())
                .hasStackTraceContaining("dataPlane.batchSize must be less than or equal to 1024");
        assertThatThrownBy(() ->
                        TestAppliance.start("dataPlane.maxDatagramBytes=1500").close())
                .hasStackTraceContaining("dataPlane.maxDatagramBytes must be greater than or equal to 8568");
    }

    @Test
    void badWarmUpSettingsFailStartNamingTheKey() {
        assertThatThrownBy(() -> TestAppliance.start("health.warmUpPackets=-1").close())
                .hasStackTraceContaining("health.warmUpPackets must be greater than or equal to 0");
        assertThatThrownBy(() -> TestAppliance.start("health.warmUpTimeout=0s").close())
                .hasStackTraceContaining("health.warmUpTimeout must be positive");
    }

    @Test
    void badLogSettingsFailStartNamingTheKey() {
        assertThatThrownBy(() -> TestAppliance.start("logs.ringSize=1000").close())
                .hasStackTraceContaining("logs.ringSize must be a power of two");
        assertThatThrownBy(() -> TestAppliance.start("logs.keepFiles=-1").close())
                .hasStackTraceContaining("logs.keepFiles must be greater than or equal to 0");
        assertThatThrownBy(() -> TestAppliance.start("logs.flowFile=target/it-logs/alert.json")
                        .close())
                .hasStackTraceContaining("logs.flowFile must differ from logs.alertFile");
        assertThatThrownBy(() -> TestAppliance.start("logs.availabilityZone= ").close())
                .hasStackTraceContaining("logs.availabilityZone must be a non-empty string");
        // /proc refuses new directories even to root.
        assertThatThrownBy(() -> TestAppliance.start("logs.alertFile=/proc/gwlb-inspect-it/alert.json")
                        .close())
                .hasStackTraceContaining("cannot open the EVE logs (logs.alertFile /proc/gwlb-inspect-it/alert.json");
    }

    @Test
    void exampleLocalConfigurationIsValid() throws Exception {
        // The README's run command uses examples/local.yml: it must parse, validate and build.
        ApplianceConfiguration config = new YamlConfigurationFactory<>(
                        ApplianceConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(Path.of("..", "examples", "local.yml").toFile());
        DataPlaneConfig dataPlane = config.getDataPlane().build();
        assertThat(Ipv4Addresses.format(dataPlane.bindAddress())).isEqualTo("127.0.0.1");
        assertThat(dataPlane.port()).isEqualTo(6081);
        assertThat(dataPlane.allowedSources().toString()).isEqualTo("127.0.0.0/8");
        assertThat(config.getFlows().build().capacity()).isEqualTo(65536);
        assertThat(config.getHealth().build().closeListenerWhenUnhealthy()).isTrue();
        // The README's run command enforces the bundled example allow-list, which must load as it is.
        Path policy = Path.of("..").resolve(config.getPolicy().policyPath());
        assertThat(new PolicyCompiler(config.getPolicy().loadOptions())
                        .compile(policy)
                        .policy()
                        .name())
                .isEqualTo("egress-strict");
        // Relative log paths, so the README's run command works without root.
        assertThat(config.getLogs().isEnabled()).isTrue();
        assertThat(config.getLogs().build().flowFile()).isEqualTo(Path.of("logs/flow.json"));
        assertThat(config.getLogs().build().alertFile()).isEqualTo(Path.of("logs/alert.json"));
    }
}
