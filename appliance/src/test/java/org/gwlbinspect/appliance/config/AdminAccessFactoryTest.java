package org.gwlbinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAccessFactoryTest {
    @TempDir
    Path dir;

    @Test
    void readsAndTrimsTheTokenFile() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "0123456789abcdef0123456789abcdef\n");
        AdminAccessFactory factory = new AdminAccessFactory();
        factory.setTokenFile(file.toString());

        AdminAccessConfig config = factory.build();

        assertThat(config.token()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(config.allowLoopback()).isTrue();
        assertThat(config.toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void noTokenFileMeansLoopbackOnly() {
        assertThat(new AdminAccessFactory().build()).isEqualTo(new AdminAccessConfig(null, true));
    }

    @Test
    void refusesAMissingFileWithTheKey() {
        AdminAccessFactory factory = new AdminAccessFactory();
        factory.setTokenFile(dir.resolve("absent").toString());

        assertThatThrownBy(factory::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adminAccess.tokenFile")
                .hasMessageContaining("cannot be read");
    }

    @Test
    void refusesAShortOrSpacedToken() throws Exception {
        AdminAccessFactory factory = new AdminAccessFactory();
        factory.setTokenFile(Files.writeString(dir.resolve("short"), "secret").toString());
        assertThatThrownBy(factory::build).hasMessageContaining("at least 32 printable ASCII characters");

        factory.setTokenFile(Files.writeString(dir.resolve("spaced"), "0123456789abcdef 0123456789abcdef")
                .toString());
        assertThatThrownBy(factory::build).hasMessageContaining("without spaces");
    }
}
