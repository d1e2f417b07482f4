package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The clients' outputs as curl 7.88, OpenSSL 3.0 s_client and dig 9.18 print them. */
class ClientOutputsTest {
    private static final OutcomeClassifier PAGE = ClientOutputs.curl("hello from www.demo.test");
    private static final OutcomeClassifier DOWNLOAD = ClientOutputs.curl("bytes=4194304");

    private static CommandResult exited(int code, String output) {
        return CommandResult.exited(code, output, Duration.ofMillis(42));
    }

    @Test
    void curlPassesWithStatus200AndTheExpectedText() {
        assertThat(PAGE.classify(exited(0, "hello from www.demo.test\n\ncurl: http=200 bytes=25\n")))
                .isEqualTo(new Observation(Outcome.PASS, "HTTP 200, 25 bytes"));
        assertThat(DOWNLOAD.classify(exited(0, "\ncurl: http=200 bytes=4194304\n"))
                        .outcome())
                .isEqualTo(Outcome.PASS);
    }

    @Test
    void curlFailsOnAnotherPageOrStatus() {
        assertThat(PAGE.classify(exited(0, "hello from api.demo.test\n\ncurl: http=200 bytes=25\n")))
                .isEqualTo(new Observation(Outcome.FAILED, "HTTP 200, 25 bytes without \"hello from www.demo.test\""));
        assertThat(PAGE.classify(exited(0, "<html>404</html>\ncurl: http=404 bytes=153\n"))
                        .outcome())
                .isEqualTo(Outcome.FAILED);
    }

    @Test
    void curlTimeoutIsADropAndTellsHowFarTheDownloadGot() {
        assertThat(DOWNLOAD.classify(exited(
                        28,
                        "curl: (28) Operation too slow. Less than 1024 bytes/sec transferred the last 2 seconds\n"
                                + "\ncurl: http=200 bytes=2162688\n")))
                .isEqualTo(new Observation(Outcome.DROP, "timed out after HTTP 200, 2162688 bytes"));
        assertThat(PAGE.classify(exited(
                        28,
                        "curl: (28) Operation timed out after 3001 milliseconds with 0 bytes received\n"
                                + "\ncurl: http=000 bytes=0\n")))
                .isEqualTo(new Observation(Outcome.DROP, "timed out after HTTP 000, 0 bytes"));
    }

    @Test
    void curlResetIsAReject() {
        assertThat(PAGE.classify(exited(
                        35,
                        "curl: (35) OpenSSL SSL_connect: Connection reset by peer in connection to"
                                + " rejected.demo.test:443 \n\ncurl: http=000 bytes=0\n")))
                .isEqualTo(new Observation(Outcome.REJECT, "reset after 42 ms (curl exit 35)"));
        assertThat(PAGE.classify(exited(56, "curl: (56) Recv failure: Connection reset by peer\n"))
                        .outcome())
                .isEqualTo(Outcome.REJECT);
    }

    @Test
    void curlOtherErrorsFailWithTheirLastLine() {
        assertThat(PAGE.classify(exited(
                        60,
                        "curl: (60) SSL certificate problem: unable to get local issuer certificate\n"
                                + "curl: http=000 bytes=0\n")))
                .isEqualTo(new Observation(
                        Outcome.FAILED,
                        "curl exit 60: curl: (60) SSL certificate problem: unable to get local issuer certificate"));
        assertThat(PAGE.classify(exited(
                                7,
                                "curl: (7) Failed to connect to www.demo.test port 80 after 0 ms:"
                                        + " Couldn't connect to server\n"))
                        .outcome())
                .as("unreachable is not a reset: curl 7.88 prints the same text for both")
                .isEqualTo(Outcome.FAILED);
    }

    @Test
    void killedCommandIsADrop() {
        assertThat(PAGE.classify(new CommandResult(-1, "", Duration.ofSeconds(8), true)))
                .isEqualTo(new Observation(Outcome.DROP, "killed after 8000 ms"));
    }

    private static final OutcomeClassifier HANDSHAKE = ClientOutputs.opensslClient("api.demo.test");

    @Test
    void opensslPassesWhenTheNamedCertificateVerifies() {
        String brief = "CONNECTION ESTABLISHED\nProtocol version: TLSv1.3\nCiphersuite: TLS_AES_256_GCM_SHA384\n"
                + "Peer certificate: CN = api.demo.test\nHash used: SHA256\nSignature type: ECDSA\n"
                + "Verification: OK\nServer Temp Key: X25519, 253 bits\nDONE\n";
        assertThat(HANDSHAKE.classify(exited(0, brief)))
                .isEqualTo(new Observation(Outcome.PASS, "verified certificate CN = api.demo.test"));
        assertThat(HANDSHAKE
                        .classify(exited(0, brief.replace("CN = api", "CN = www")))
                        .outcome())
                .isEqualTo(Outcome.FAILED);
    }

    @Test
    void opensslTimeoutIsADropAndResetAReject() {
        assertThat(HANDSHAKE.classify(exited(124, "")).outcome()).isEqualTo(Outcome.DROP);
        assertThat(HANDSHAKE.classify(exited(1, "read:errno=104\n")))
                .isEqualTo(new Observation(Outcome.REJECT, "reset during the handshake after 42 ms"));
        assertThat(HANDSHAKE
                        .classify(exited(
                                1,
                                "40E7:error:0A000086:SSL routines:tls_post_process_server_certificate:certificate"
                                        + " verify failed:../ssl/statem/statem_clnt.c:1889:\n"))
                        .outcome())
                .isEqualTo(Outcome.FAILED);
    }

    private static final OutcomeClassifier DNS = ClientOutputs.dig("198.51.100.80");

    @Test
    void digPassesWithTheAddressInTheAnswer() {
        String answer = ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4711\n"
                + ";; flags: qr aa rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n\n"
                + ";; QUESTION SECTION:\n;www.demo.test.\t\t\tIN\tA\n\n"
                + ";; ANSWER SECTION:\nwww.demo.test.\t\t0\tIN\tA\t198.51.100.80\n\n"
                + ";; Query time: 0 msec\n";
        assertThat(DNS.classify(exited(0, answer))).isEqualTo(new Observation(Outcome.PASS, "answer 198.51.100.80"));
        assertThat(DNS.classify(exited(0, answer.replace("198.51.100.80", "198.51.100.81")))
                        .outcome())
                .isEqualTo(Outcome.FAILED);
        assertThat(DNS.classify(exited(0, answer.replace("NOERROR", "NXDOMAIN")))
                        .outcome())
                .isEqualTo(Outcome.FAILED);
    }

    @Test
    void digWithoutReplyIsADrop() {
        assertThat(DNS.classify(exited(
                        9, ";; communications error to 198.51.100.80#53: timed out\n;; no servers could be reached\n")))
                .isEqualTo(new Observation(Outcome.DROP, "no reply: timed out"));
    }
}
