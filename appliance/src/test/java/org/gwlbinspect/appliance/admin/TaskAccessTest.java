package org.gwlbinspect.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.gwlbinspect.appliance.config.AdminAccessConfig;
import org.junit.jupiter.api.Test;

class TaskAccessTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    private final TaskAccess loopbackOnly = new TaskAccess(new AdminAccessConfig(null, true));
    private final TaskAccess withToken = new TaskAccess(new AdminAccessConfig(TOKEN, true));
    private final TaskAccess tokenOnly = new TaskAccess(new AdminAccessConfig(TOKEN, false));

    @Test
    void loopbackPeersMayRunTasksWithoutAToken() {
        assertThat(loopbackOnly.decide("127.0.0.1", null)).isEqualTo(TaskAccessDecision.ALLOWED_LOOPBACK);
        assertThat(loopbackOnly.decide("127.4.5.6", null)).isEqualTo(TaskAccessDecision.ALLOWED_LOOPBACK);
        assertThat(loopbackOnly.decide("::1", null)).isEqualTo(TaskAccessDecision.ALLOWED_LOOPBACK);
        assertThat(loopbackOnly.decide("[0:0:0:0:0:0:0:1]", null)).isEqualTo(TaskAccessDecision.ALLOWED_LOOPBACK);
    }

    @Test
    void otherPeersAreRefusedWith403WhenNoTokenIsConfigured() {
        assertThat(loopbackOnly.decide("10.0.0.5", null)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
        assertThat(loopbackOnly.decide("::ffff:10.0.0.5", null)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
        assertThat(loopbackOnly.decide("10.0.0.5", "Bearer " + TOKEN)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
        assertThat(TaskAccessDecision.NOT_LOOPBACK.status()).isEqualTo(403);
    }

    @Test
    void namesAreNeverResolvedAndUnknownPeersAreNotLoopback() {
        assertThat(loopbackOnly.decide("localhost", null)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
        assertThat(loopbackOnly.decide("", null)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
        assertThat(loopbackOnly.decide(null, null)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
        assertThat(loopbackOnly.decide("127.0.0.1.example", null)).isEqualTo(TaskAccessDecision.NOT_LOOPBACK);
    }

    @Test
    void theConfiguredBearerTokenAdmitsAnyPeer() {
        assertThat(withToken.decide("10.0.0.5", "Bearer " + TOKEN)).isEqualTo(TaskAccessDecision.ALLOWED_TOKEN);
        assertThat(withToken.decide("10.0.0.5", "bearer " + TOKEN + " ")).isEqualTo(TaskAccessDecision.ALLOWED_TOKEN);
    }

    @Test
    void aMissingTokenIs401AndAWrongOneIs401EvenFromLoopback() {
        assertThat(withToken.decide("10.0.0.5", null)).isEqualTo(TaskAccessDecision.MISSING_TOKEN);
        assertThat(withToken.decide("10.0.0.5", "Basic dXNlcjpwYXNz")).isEqualTo(TaskAccessDecision.MISSING_TOKEN);
        assertThat(withToken.decide("10.0.0.5", "Bearer " + TOKEN.substring(1)))
                .isEqualTo(TaskAccessDecision.INVALID_TOKEN);
        assertThat(withToken.decide("127.0.0.1", "Bearer nope")).isEqualTo(TaskAccessDecision.INVALID_TOKEN);
        assertThat(withToken.decide("127.0.0.1", null)).isEqualTo(TaskAccessDecision.ALLOWED_LOOPBACK);
        assertThat(TaskAccessDecision.MISSING_TOKEN.status()).isEqualTo(401);
        assertThat(TaskAccessDecision.INVALID_TOKEN.status()).isEqualTo(401);
    }

    @Test
    void withoutLoopbackTrustEvenLocalPeersNeedTheToken() {
        assertThat(tokenOnly.decide("127.0.0.1", null)).isEqualTo(TaskAccessDecision.MISSING_TOKEN);
        assertThat(tokenOnly.decide("127.0.0.1", "Bearer " + TOKEN)).isEqualTo(TaskAccessDecision.ALLOWED_TOKEN);
    }

    @Test
    void countsEveryDecision() {
        withToken.decide("10.0.0.5", null);
        withToken.decide("10.0.0.5", null);
        withToken.decide("10.0.0.5", "Bearer x");
        withToken.decide("127.0.0.1", null);

        assertThat(withToken.count(TaskAccessDecision.MISSING_TOKEN)).isEqualTo(2);
        assertThat(withToken.count(TaskAccessDecision.INVALID_TOKEN)).isEqualTo(1);
        assertThat(withToken.count(TaskAccessDecision.ALLOWED_LOOPBACK)).isEqualTo(1);
        assertThat(withToken.count(TaskAccessDecision.ALLOWED_TOKEN)).isZero();
    }
}
