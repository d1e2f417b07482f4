package org.gwlbinspect.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The appliance's own attack surface on its TCP ports: who may run admin tasks, where the ports listen. */
class AdminAccessIT {
    private static final String TOKEN = "7f3c1e9a0b2d4c6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a5b7c";

    @TempDir
    Path dir;

    @Test
    void byDefaultOnlyLoopbackPeersRunTasks() throws Exception {
        try (TestAppliance appliance = TestAppliance.start()) {
            HttpResponse<String> response = appliance.postAdmin("/tasks/gc", null);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(appliance.metric("appliance_admin_task_requests_total{decision=\"allowed_loopback\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void withTheTokenConfiguredTasksWithoutItAreRefusedCountedAndLogged() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("admin-token"), TOKEN + "\n");
        try (TestAppliance appliance =
                TestAppliance.start("adminAccess.tokenFile=" + tokenFile, "adminAccess.allowLoopback=false")) {
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            Logger logger = (Logger) LoggerFactory.getLogger(TaskAccessFilter.class);
            logger.addAppender(log);
            try {
                HttpResponse<String> none = appliance.postAdmin("/tasks/gc", null);
                HttpResponse<String> wrong = appliance.postAdmin("/tasks/gc", "Bearer " + TOKEN.replace('7', '8'));
                HttpResponse<String> right = appliance.postAdmin("/tasks/gc", "Bearer " + TOKEN);
                HttpResponse<String> levels = appliance.postAdmin("/tasks/log-level?logger=x&level=DEBUG", null);

                assertThat(none.statusCode()).isEqualTo(401);
                assertThat(none.headers().firstValue("WWW-Authenticate"))
                        .hasValue("Bearer realm=\"gwlb-inspect admin\"");
                assertThat(wrong.statusCode()).isEqualTo(401);
                assertThat(wrong.headers().firstValue("WWW-Authenticate").orElse(""))
                        .contains("error=\"invalid_token\"");
                assertThat(right.statusCode()).isEqualTo(200);
                assertThat(levels.statusCode()).isEqualTo(401);
                assertThat(appliance.metric("appliance_admin_task_requests_total{decision=\"missing_token\"}"))
                        .isEqualTo(2);
                assertThat(appliance.metric("appliance_admin_task_requests_total{decision=\"invalid_token\"}"))
                        .isEqualTo(1);
                assertThat(appliance.metric("appliance_admin_task_requests_total{decision=\"allowed_token\"}"))
                        .isEqualTo(1);
                // Rate-limited: the first refusal is logged, the next ones within 10 s are counted in the next line.
                assertThat(log.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                        .isEqualTo("refused admin task POST /tasks/gc from 127.0.0.1: missing_token"
                                + " (0 more refusals not logged since the last message)"));
                assertThat(log.list.getFirst().getFormattedMessage()).doesNotContain(TOKEN);
                // Reading metrics stays open: Prometheus scrapes it (bind the admin port to a private address).
                assertThat(appliance.get(appliance.adminPort, "/metrics").statusCode())
                        .isEqualTo(200);
            } finally {
                logger.detachAppender(log);
            }
        }
    }

    @Test
    void healthAndAdminPortsListenOnlyOnTheirConfiguredAddresses() throws Exception {
        try (TestAppliance appliance = TestAppliance.start(
                "server.applicationConnectors[0].bindHost=127.0.0.3", "server.adminConnectors[0].bindHost=127.0.0.4")) {
            assertThat(appliance.get(appliance.healthPort, "/health").statusCode())
                    .isEqualTo(200);
            assertThat(appliance.get(appliance.adminPort, "/metrics").statusCode())
                    .isEqualTo(200);

            assertRefused("127.0.0.1", appliance.healthPort);
            assertRefused("127.0.0.4", appliance.healthPort);
            assertRefused("127.0.0.1", appliance.adminPort);
            assertRefused("127.0.0.3", appliance.adminPort);
        }
    }

    private static void assertRefused(String host, int port) {
        assertThatThrownBy(() -> {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(host, port), 2000);
                    }
                })
                .as("%s:%d", host, port)
                .isInstanceOf(ConnectException.class);
    }
}
