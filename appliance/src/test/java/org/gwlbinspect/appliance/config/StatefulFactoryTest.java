package org.gwlbinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gwlbinspect.appliance.ApplianceConfiguration;
import org.gwlbinspect.stateful.EncryptionHandling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatefulFactoryTest {

    @Test
    void readsStatefulEncryptionHandlingFromTheYaml(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("appliance.yml"), """
                stateful:
                  encryptionHandling: full
                """);
        ApplianceConfiguration config = new YamlConfigurationFactory<>(
                        ApplianceConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                .build(yaml.toFile());

        assertThat(config.getStateful().build()).isEqualTo(EncryptionHandling.FULL);
    }

    @Test
    void defaultsToSuricatasDefaultAsNfwRunsIt() {
        assertThat(new StatefulFactory().build()).isEqualTo(EncryptionHandling.DEFAULT);
    }

    @Test
    void aValueOtherThanDefaultOrFullFailsNamingTheKey() {
        StatefulFactory bypass = new StatefulFactory();
        bypass.setEncryptionHandling("bypass");
        assertThatThrownBy(bypass::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stateful.encryptionHandling must be default or full, got 'bypass'");
    }
}
