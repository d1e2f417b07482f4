package org.gwlbinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.gwlbinspect.appliance.ApplianceConfiguration;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.stateful.DestinationBindingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DestinationBindingFactoryTest {

    @Test
    void readsPolicyDestinationBindingFromTheYaml(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("appliance.yml"), """
                policy:
                  destinationBinding:
                    mode: enforce
                    capacity: 4096
                    minTtl: 10s
                    maxTtl: 2h
                    startupGrace: 1m
                    resolvers: [10.100.0.2, "fd00::53/128"]
                """);
        ApplianceConfiguration config = new YamlConfigurationFactory<>(
                        ApplianceConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(yaml.toFile());

        DestinationBindingConfig binding =
                config.getPolicy().getDestinationBinding().build();

        assertThat(binding)
                .isEqualTo(new DestinationBindingConfig(
                        DestinationBindingMode.ENFORCE,
                        4096,
                        Duration.ofSeconds(10),
                        Duration.ofHours(2),
                        Duration.ofMinutes(1),
                        List.of(IpPrefix.parse("10.100.0.2/32"), IpPrefix.parse("fd00::53/128"))));
    }

    @Test
    void defaultsToOffSoNfwPoliciesBehaveUnchanged() {
        DestinationBindingConfig binding = new DestinationBindingFactory().build();

        assertThat(binding).isEqualTo(DestinationBindingConfig.defaults());
        assertThat(binding.mode()).isEqualTo(DestinationBindingMode.OFF);
    }

    @Test
    void badValuesFailNamingTheKey() {
        DestinationBindingFactory mode = new DestinationBindingFactory();
        mode.setMode("strict");
        assertThatThrownBy(mode::build)
                .hasMessage("policy.destinationBinding.mode must be off, alert or enforce, got 'strict'");

        DestinationBindingFactory resolver = new DestinationBindingFactory();
        resolver.setResolvers(List.of("dns.example"));
        assertThatThrownBy(resolver::build)
                .hasMessageStartingWith("policy.destinationBinding.resolvers: 'dns.example' is not an address or CIDR");

        DestinationBindingFactory ttl = new DestinationBindingFactory();
        ttl.setMaxTtl(io.dropwizard.util.Duration.seconds(5));
        assertThatThrownBy(ttl::build)
                .hasMessage("policy.destinationBinding.maxTtl must be positive and at least minTtl");

        DestinationBindingFactory none = new DestinationBindingFactory();
        none.setMode("alert");
        none.setCapacity(0);
        assertThatThrownBy(none::build).hasMessage("policy.destinationBinding.mode alert needs a capacity > 0");
    }
}
