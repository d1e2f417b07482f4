package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Jumbo frames: with 8500-byte client and server links (GWLB's MTU, gwlb.md §0 item 9) a 32 MiB download from nginx
 * crosses the simulator and an inspecting appliance byte for byte in inner packets of 8500 bytes, with no refusal; a
 * reply whose inner packet is larger than 8500 bytes is refused and counted, as GWLB drops it silently.
 */
class SimJumboIT {
    private static final Path JAR = Path.of("target/appliance.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target/gwlb-sim-it").toAbsolutePath();
    private static final int SIZE = 32 << 20;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void downloadsByteExactInJumboPacketsAndRefusesARepliesOver8500Bytes() throws Exception {
        Files.createDirectories(WORK);
        Path policy = Files.writeString(WORK.resolve("jumbo.allowlist.txt"), "allowed.example\n");
        SimOptions options = new SimOptions(
                        1,
                        CookieRotation.NEVER,
                        IdleTimeouts.GWLB_DEFAULTS,
                        null,
                        JAR,
                        policy,
                        WORK,
                        SimStateFiles.DEFAULT_DIRECTORY,
                        120_000)
                .withLinkMtu(SimOptions.MAX_LINK_MTU);
        GwlbSimulator sim = GwlbSimulator.start(options);
        Topology t = sim.topology();
        Path downloaded = WORK.resolve(t.prefix() + "-download.bin");
        try (sim;
                SimFileServer nginx = SimFileServer.start(t.serverNamespace(1), WORK)) {
            byte[] file = SimNamespaceTools.randomBytes(8500, SIZE);
            Files.write(nginx.root().resolve("big.bin"), file);

            SimNamespaceTools.Result curl = SimNamespaceTools.run(
                    t.clientNamespace(1),
                    150,
                    "curl",
                    "-s",
                    "-m",
                    "120",
                    "-o",
                    downloaded.toString(),
                    "-w",
                    "%{http_code} %{size_download}",
                    "-H",
                    "Host: allowed.example",
                    "http://" + Topology.SERVER_IPV4 + ":" + SimFileServer.PORT + "/big.bin");
            assertThat(curl).isEqualTo(new SimNamespaceTools.Result(0, "200 " + SIZE));
            assertThat(SimNamespaceTools.sha256(downloaded)).isEqualTo(SimNamespaceTools.sha256(file));

            SimReport report = sim.report();
            System.out.print(report.summary());
            // 32 MiB in segments of 8448 bytes (MSS 8460 less 12 bytes of timestamps): about 4000 full packets.
            assertThat(report.innerSizes().get("8193-8500"))
                    .as("inner packets near GWLB's 8500-byte MTU")
                    .isGreaterThan(SIZE / 8448 * 9 / 10);
            assertThat(report.largestInnerPacket()).isEqualTo(8500);
            assertThat(report.dropped())
                    .allSatisfy((label, n) -> assertThat(n).as(label).isZero());
            assertThat(report.captureDropped()).containsEntry("too_large", 0L).containsEntry("send_failed", 0L);

            // A reply GWLB cannot carry: 8600 bytes of inner packet behind a well-formed GWLB header.
            sendFromAppliance(t, oversizeReply());
            SimCounters c = sim.node().counters();
            assertThat(SimNamespaceTools.awaitValue(1, 5, () -> c.dropped(ReplyDropReason.TOO_LARGE)))
                    .isEqualTo(1);
        } finally {
            Files.deleteIfExists(downloaded);
        }
        assertThat(sim.report().dropped()).containsEntry("too_large", 1L);
        assertThat(sim.failure()).isNull();
        SimNamespaceTools.assertNamespacesGone(t);
    }

    /** A GWLB header for endpoint 1, then an 8600-byte IPv4/UDP packet from the client to the server. */
    private static byte[] oversizeReply() {
        ByteBuf out = Unpooled.buffer();
        SimEndpoint endpoint = SimEndpoint.withDefaultIds(1);
        GeneveHeaders.writeGwlb(out, GeneveHeader.PROTOCOL_IPV4, endpoint.endpointId(), endpoint.attachmentId(), 7);
        int total = 8600;
        out.writeByte(0x45).writeByte(0).writeShort(total).writeShort(0).writeShort(0x4000);
        out.writeByte(64).writeByte(17).writeShort(0);
        out.writeInt(Topology.ipv4(Topology.CLIENT_IPV4)).writeInt(Topology.ipv4(Topology.SERVER_IPV4));
        out.writeShort(40000).writeShort(5301).writeShort(total - 20).writeShort(0);
        out.writeZero(total - 28);
        return ByteBufUtil.getBytes(out);
    }

    private static void sendFromAppliance(Topology t, byte[] payload) throws Exception {
        try (DatagramSocket appliance = SimNamespaceTools.udpSocket(
                t.applianceNamespace(), new InetSocketAddress(Topology.APPLIANCE_IPV4, 0), 5_000)) {
            appliance.send(new DatagramPacket(
                    payload, payload.length, InetAddress.getByName(Topology.GWLB_NODE_IPV4), GwlbNode.GENEVE_PORT));
        }
    }
}
