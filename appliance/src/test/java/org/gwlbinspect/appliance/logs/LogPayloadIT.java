package org.gwlbinspect.appliance.logs;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.concat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.l7.TlsMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * No log carries payload bytes (docs/security.md): rules that match on a request body still log only the metadata NFW
 * logs (addresses, SNI, host, url), never the body; the flow log and the application log hold none either.
 */
class LogPayloadIT {
    private static final String BODY_MARKER = "BODYMARKER-9c41d7e2";
    private static final String SNI = "sni-marker.example";
    private static final long CLIENT = ipv4(10, 100, 1, 5);
    private static final long SERVER = ipv4(52, 1, 2, 3);
    // This test's own GWLB address: replies meant for other tools on 127.0.0.2:6081 never reach it, nor ours them.
    private static final int PEER = 0x7F000814; // 127.0.8.20
    private static final String RULES = """
            alert http $HOME_NET any -> any any (msg:"http request seen"; flow:to_server,established; http.host; content:"upload.example"; sid:1001; rev:1;)
            alert tls $HOME_NET any -> any any (msg:"tls hello seen"; flow:to_server,established; tls.sni; content:"sni-marker.example"; sid:1002; rev:1;)
            alert tcp $HOME_NET any -> any any (msg:"body marker seen"; flow:to_server,established; content:"BODYMARKER"; sid:1003; rev:1;)
            """;

    @Test
    void alertFlowAndApplicationLogsHoldNoPayloadBytes(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("payload.rules"), RULES);
        Path alerts = dir.resolve("alert.json");
        Path flows = dir.resolve("flow.json");
        ListAppender<ILoggingEvent> applicationLog = new ListAppender<>();
        Logger root = null;
        try {
            try (TestAppliance appliance = TestAppliance.start(
                            "policy.path=" + rules, "logs.alertFile=" + alerts, "logs.flowFile=" + flows);
                    GwlbPeer gwlb = new GwlbPeer(PEER, GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
                // Dropwizard configured logging at start: attach to its root logger now, so shutdown is captured too.
                root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
                applicationLog.start();
                root.addAppender(applicationLog);

                byte[] body = ("{\"secret\":\"" + BODY_MARKER + "\"}").getBytes(US_ASCII);
                byte[] request = concat(
                        ("POST /upload HTTP/1.1\r\nHost: upload.example\r\nContent-Type: application/json\r\n"
                                        + "Content-Length: " + body.length + "\r\n\r\n")
                                .getBytes(US_ASCII),
                        body);
                exchange(gwlb, 42001, 80, request);
                byte[] hello = TlsMessages.javaClientHello(SNI, "TLSv1.3", "TLSv1.2");
                // A TLS application data record after the hello, carrying the marker in clear (as a test stand-in).
                byte[] record =
                        concat(new byte[] {23, 3, 3, 0, (byte) BODY_MARKER.length()}, BODY_MARKER.getBytes(US_ASCII));
                exchange(gwlb, 42002, 443, concat(hello, record));

                TestAppliance.await(
                        Duration.ofSeconds(5),
                        () -> lines(alerts).stream().anyMatch(l -> l.contains("\"signature_id\":1003")),
                        "the body marker rule's alert");
            }
            List<String> alertLines = lines(alerts);
            List<String> flowLines = lines(flows);
            // The rules saw the traffic: the body rule matched and the metadata NFW logs is there.
            assertThat(alertLines).anyMatch(l -> l.contains("\"signature_id\":1001") && l.contains("upload.example"));
            assertThat(alertLines).anyMatch(l -> l.contains("\"signature_id\":1002") && l.contains(SNI));
            assertThat(flowLines).hasSizeGreaterThanOrEqualTo(4); // two flows, a record per direction at shutdown
            assertThat(applicationLog.list).isNotEmpty();

            List<String> everything = new ArrayList<>(alertLines);
            everything.addAll(flowLines);
            applicationLog.list.forEach(e -> everything.add(e.getFormattedMessage()));
            assertThat(everything).noneMatch(l -> l.contains(BODY_MARKER)).noneMatch(l -> l.contains("secret"));
        } finally {
            if (root != null) root.detachAppender(applicationLog);
        }
    }

    /** Handshake, one request segment from the client, the server's ACK; all must come back. */
    private static void exchange(GwlbPeer gwlb, int clientPort, int serverPort, byte[] request) throws Exception {
        send(gwlb, clientPort, tcp(clientPort, serverPort, 1000, 0, 0x02, new byte[0]), true);
        send(gwlb, clientPort, tcp(serverPort, clientPort, 5000, 1001, 0x12, new byte[0]), false);
        send(gwlb, clientPort, tcp(clientPort, serverPort, 1001, 5001, 0x10, new byte[0]), true);
        send(gwlb, clientPort, tcp(clientPort, serverPort, 1001, 5001, 0x18, request), true);
        send(gwlb, clientPort, tcp(serverPort, clientPort, 5001, 1001 + request.length, 0x10, new byte[0]), false);
    }

    private static void send(GwlbPeer gwlb, int port, byte[] segment, boolean toServer) throws Exception {
        byte[] datagram =
                GwlbPeer.bytes(gwlb(ipv4Packet(6, toServer ? CLIENT : SERVER, toServer ? SERVER : CLIENT, segment)));
        gwlb.send(port, datagram);
        assertThat(gwlb.receive(Duration.ofSeconds(2)))
                .as("reply on port %d", port)
                .isNotNull();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
