package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AMI's provisioning (packer/provision.sh) run as the Packer build runs it, but into a throwaway root over this
 * machine (a chroot on a copy-on-write overlay, see {@link ThrowawayRoot}): what it installs, that the installed unit
 * passes {@code systemd-analyze verify}, that the service then boots under systemd with its sandbox, reloads and
 * stops cleanly, and what the pre-start step does. The JDK is the one running this test (no downloads).
 */
class ProvisionScriptIT {
    private static final String STAGING = "/var/tmp/gwlb-inspect-staging";
    private static final Path JDK = Path.of(System.getProperty("java.home"));

    private static ThrowawayRoot provisioned;
    private static Tools.Result provisioning;

    @BeforeAll
    static void provision() throws Exception {
        Tools.require("unshare", "util-linux");
        provisioned = ThrowawayRoot.create();
        stage(provisioned);
        provisioning = provisioned.chroot(
                300,
                List.of("APPLIANCE_JAR=" + STAGING + "/appliance.jar", "JDK_HOME=" + JDK, "SOURCE_DIR=" + STAGING),
                "sh",
                STAGING + "/provision.sh");
    }

    @AfterAll
    static void removeRoot() throws IOException {
        if (provisioned != null) provisioned.close();
    }

    @Test
    void installsTheApplianceItsConfigurationAndTheEnabledUnit() throws IOException {
        provisioning.assertSucceeded("provision.sh");
        assertThat(provisioning.output())
                .contains("Configuration is OK")
                .contains("policy /etc/gwlb-inspect/policy.json OK");

        assertThat(provisioned.file("/opt/gwlb-inspect/appliance.jar")).hasSameBinaryContentAs(Tools.APPLIANCE_JAR);
        assertThat(Files.readSymbolicLink(provisioned.file("/opt/gwlb-inspect/jdk")))
                .isEqualTo(JDK);
        assertThat(mode("/opt/gwlb-inspect/bin/gwlb-inspect-prestart")).isEqualTo("rwxr-xr-x");
        // Configuration: readable by the service's group only, writable by root only (the appliance cannot change
        // its own policy).
        for (String file : List.of("appliance.yml", "environment", "policy.json")) {
            Path installed = provisioned.file("/etc/gwlb-inspect/" + file);
            assertThat(installed).hasSameTextualContentAs(Tools.REPOSITORY.resolve("packer/files/" + file));
            assertThat(mode("/etc/gwlb-inspect/" + file)).isEqualTo("rw-r-----");
            assertThat(group(installed)).isEqualTo(gid("gwlb-inspect"));
        }
        assertThat(mode("/etc/gwlb-inspect")).isEqualTo("rwxr-x---");
        assertThat(provisioned.file("/etc/gwlb-inspect/cloudwatch-agent.json"))
                .hasSameTextualContentAs(Tools.REPOSITORY.resolve("packer/files/cloudwatch-agent.json"));
        assertThat(provisioned.file("/etc/sysctl.d/90-gwlb-inspect.conf"))
                .hasSameTextualContentAs(Tools.REPOSITORY.resolve("packer/files/sysctl.conf"));
        assertThat(provisioned.file("/etc/systemd/system/gwlb-inspect.service"))
                .hasSameTextualContentAs(Tools.REPOSITORY.resolve("systemd/gwlb-inspect.service"));
        assertThat(Files.readSymbolicLink(
                        provisioned.file("/etc/systemd/system/multi-user.target.wants/gwlb-inspect.service")))
                .isEqualTo(Path.of("/etc/systemd/system/gwlb-inspect.service"));
        assertThat(provisioned.file("/usr/share/doc/gwlb-inspect/operations.md"))
                .exists();

        // A system user that cannot log in, made by systemd-sysusers from the shipped sysusers.d file.
        String passwd = Files.readString(provisioned.file("/etc/passwd"));
        assertThat(passwd.lines().filter(l -> l.startsWith("gwlb-inspect:")))
                .singleElement()
                .satisfies(line -> assertThat(line).endsWith(":/usr/sbin/nologin"));
        assertThat(Integer.parseInt(passwd.lines()
                        .filter(l -> l.startsWith("gwlb-inspect:"))
                        .findFirst()
                        .orElseThrow()
                        .split(":")[2]))
                .isBetween(1, 999);
        assertThat(provisioned.file("/usr/lib/sysusers.d/gwlb-inspect.conf")).exists();
    }

    @Test
    void leavesThisMachineUntouched() throws IOException {
        assertThat(Files.readString(Path.of("/etc/passwd"))).doesNotContain("gwlb-inspect:");
        assertThat(Path.of("/etc/systemd/system/gwlb-inspect.service")).doesNotExist();
    }

    @Test
    void sysctlSettingsNameKeysThisKernelHas() throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Tools.REPOSITORY.resolve("packer/files/sysctl.conf"))) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] kv = line.split("=", 2);
            settings.put(kv[0].trim(), kv[1].trim());
        }
        assertThat(settings)
                .containsEntry("net.core.rmem_max", "33554432")
                .containsEntry("net.ipv4.conf.all.rp_filter", "2")
                .containsKey("net.core.wmem_max");
        for (String key : settings.keySet())
            assertThat(Path.of("/proc/sys", key.split("\\."))).as(key).exists();
        // The shipped configuration's receive buffer must fit under rmem_max, or the kernel silently caps it.
        assertThat(Files.readString(Tools.REPOSITORY.resolve("packer/files/appliance.yml")))
                .contains("receiveBufferBytes: 16777216");
        assertThat(Long.parseLong(settings.get("net.core.rmem_max"))).isGreaterThanOrEqualTo(16777216L);
    }

    @Test
    void installedUnitPassesSystemdAnalyzeVerify() throws Exception {
        Tools.require("systemd-analyze", "systemd");
        try (ThrowawayRoot root = ThrowawayRoot.over(provisioned)) {
            // Verify reads the unit as systemd would on the AMI: every executable it names must exist there.
            Tools.Result verify = root.chroot(
                    120, List.of(), "systemd-analyze", "verify", "/etc/systemd/system/gwlb-inspect.service");
            verify.assertSucceeded("systemd-analyze verify");
            // It exits 0 on some problems (an Environment= line it ignores, say): any message is a failure.
            assertThat(verify.output()).as("systemd-analyze verify output").isEmpty();
        }
    }

    @Test
    void serviceBootsSandboxedUnderSystemdReloadsAndStopsCleanly() throws Exception {
        Tools.require("systemd-nspawn", "systemd-container");
        try (ThrowawayRoot root = ThrowawayRoot.over(provisioned)) {
            // A small appliance for this machine; nothing in it reaches for the instance metadata.
            writeConfig(root, "environment", """
                    APPLIANCE_OPTS="-Ddw.flows.capacity=65536 -Ddw.dataPlane.workers=2 -Ddw.health.drainTime=2s"
                    JAVA_OPTS="-Xms384m -Xmx384m -XX:+ExitOnOutOfMemoryError"
                    POLICY_SOURCE=
                    ENI_MTU=0
                    AVAILABILITY_ZONE=test-1a
                    IMDS_ENDPOINT=
                    """);
            copyResource("service-smoke.sh", root.file("/var/tmp/service-smoke.sh"));
            copyResource("service-smoke.service", root.file("/etc/systemd/system/service-smoke.service"));
            Path wants = root.file("/etc/systemd/system/multi-user.target.wants/service-smoke.service");
            Files.createDirectories(wants.getParent());
            Files.createSymbolicLink(wants, Path.of("/etc/systemd/system/service-smoke.service"));

            Tools.Result boot = root.boot(300);
            Path resultFile = root.file("/var/tmp/smoke/result");
            assertThat(resultFile)
                    .as("the smoke test ran in the guest; nspawn said:\n" + boot.output())
                    .exists();
            Map<String, String> result = new LinkedHashMap<>();
            for (String line : Files.readAllLines(resultFile)) {
                int eq = line.indexOf('=');
                if (eq > 0) result.put(line.substring(0, eq), line.substring(eq + 1));
            }
            String journal = Files.readString(root.file("/var/tmp/smoke/journal"));
            String context = "result " + result + "\njournal:\n" + journal;

            // Type=notify: the unit became active only with READY=1, sent once the data plane was healthy.
            assertThat(result).as(context).containsEntry("started.ActiveState", "active");
            assertThat(result.get("started.StatusText")).as(context).startsWith("healthy ");
            assertThat(result).as(context).containsEntry("health", "200");
            assertThat(result).as(context).containsEntry("metrics.healthy", "appliance_healthy 1.0");
            assertThat(journal).contains("data plane healthy").contains("availability_zone test-1a");

            // The sandbox as the kernel sees it: the service user, CAP_NET_RAW (13) and CAP_NET_BIND_SERVICE (10)
            // only (1 << 13 | 1 << 10 = 0x2400, also ambient), no_new_privs, a seccomp filter.
            assertThat(result).as(context).containsEntry("process.user", "gwlb-inspect");
            for (String set : List.of("CapEff", "CapPrm", "CapBnd", "CapAmb"))
                assertThat(result).as(context).containsEntry("process." + set, "0000000000002400");
            assertThat(result).as(context).containsEntry("process.NoNewPrivs", "1");
            assertThat(result).as(context).containsEntry("process.Seccomp", "2");

            // systemctl reload: SIGHUP reinstalls the policy.
            assertThat(result).as(context).containsEntry("reload.exit", "0");
            assertThat(journal).contains("installed (SIGHUP)");

            // systemctl stop: SIGTERM, the drain, then exit status 143, which the unit counts as success.
            assertThat(result).as(context).containsEntry("stop.exit", "0");
            assertThat(result).as(context).containsEntry("stopped.ActiveState", "inactive");
            assertThat(result).as(context).containsEntry("stopped.Result", "success");
            assertThat(result).as(context).containsEntry("stopped.ExecMainStatus", "143");
            assertThat(journal).contains("drain over after");
            assertThat(result).as(context).containsEntry("logs.owner", "gwlb-inspect:gwlb-inspect");
        }
    }

    @Test
    void prestartInstallsAFetchedPolicyOnlyWhenItCompiles() throws Exception {
        try (ThrowawayRoot root = ThrowawayRoot.over(provisioned)) {
            Path fake = root.file("/var/tmp/fake-aws");
            Files.createDirectories(fake.resolve("s3/policies"));
            Files.createDirectories(fake.resolve("ssm/gwlb-inspect"));
            Path good = Tools.REPOSITORY.resolve("examples/policies/ips-action-order.json");
            Files.copy(good, fake.resolve("s3/policies/ips.json"));
            Files.writeString(fake.resolve("s3/policies/broken.json"), "{\"FirewallPolicy\": {}}");
            Files.copy(Tools.REPOSITORY.resolve("packer/files/policy.json"), fake.resolve("ssm/gwlb-inspect/policy"));
            copyResource("fake-aws", root.file("/usr/local/bin/aws"));
            root.file("/usr/local/bin/aws").toFile().setExecutable(true);
            Path installed = root.file("/etc/gwlb-inspect/policy.json");

            Tools.Result fromS3 = prestart(
                    root,
                    "s3://policies/ips.json",
                    "sh",
                    "-c",
                    "/opt/gwlb-inspect/bin/gwlb-inspect-prestart --policy-only && cat /run/gwlb-inspect/instance.env");
            fromS3.assertSucceeded("prestart with a good policy in S3");
            assertThat(installed).hasSameTextualContentAs(good);
            assertThat(mode("/etc/gwlb-inspect/policy.json", root)).isEqualTo("rw-r-----");
            assertThat(group(installed)).isEqualTo(gid("gwlb-inspect"));
            assertThat(fromS3.output())
                    .contains("policy from s3://policies/ips.json installed as /etc/gwlb-inspect/policy.json")
                    .contains("INSTANCE_OPTS=-Ddw.logs.availabilityZone=test-1a");

            Tools.Result broken = prestart(root, "s3://policies/broken.json");
            broken.assertSucceeded("prestart with a broken policy and a policy to keep");
            assertThat(broken.output()).contains("WARNING: policy from s3://policies/broken.json not installed");
            assertThat(installed).as("the previous policy is kept").hasSameTextualContentAs(good);

            prestart(root, "ssm:/gwlb-inspect/policy").assertSucceeded("prestart with a policy in SSM");
            assertThat(installed).hasSameTextualContentAs(Tools.REPOSITORY.resolve("packer/files/policy.json"));
            assertThat(Files.readString(fake.resolve("calls")))
                    .contains("ssm get-parameter --name /gwlb-inspect/policy --with-decryption");

            Tools.Result unchanged = prestart(root, "");
            unchanged.assertSucceeded("prestart without a policy source");
            assertThat(unchanged.output()).doesNotContain("policy from");

            Files.writeString(installed, ""); // nothing usable to fall back to
            Tools.Result nothing = prestart(root, "s3://policies/missing.json");
            assertThat(nothing.exitCode()).as(nothing.output()).isEqualTo(1);
            assertThat(nothing.output()).contains("not installed and no /etc/gwlb-inspect/policy.json to fall back to");
        }
    }

    @Test
    void prestartRaisesTheMtuOfTheDefaultRouteInterface() throws Exception {
        try (ThrowawayRoot root = ThrowawayRoot.over(provisioned)) {
            // A namespace of the test's own: a veth "ENI" with a TEST-NET-1 address and a default route over it.
            Tools.Result result = root.chrootInNetworkNamespace(
                    60, List.of("ENI_MTU=9001", "AVAILABILITY_ZONE=test-1a", "IMDS_ENDPOINT="), "sh", "-c", """
                    set -e
                    ip link add eni0 type veth peer name eni0-peer
                    ip link set eni0-peer up
                    ip link set eni0 up
                    ip addr add 192.0.2.10/24 dev eni0
                    ip route add default via 192.0.2.1
                    /opt/gwlb-inspect/bin/gwlb-inspect-prestart
                    echo "mtu=$(cat /sys/class/net/eni0/mtu)"
                    """);
            result.assertSucceeded("prestart in a network namespace");
            assertThat(result.output())
                    .contains("MTU of eni0 raised from 1500 to 9001")
                    .contains("mtu=9001");
        }
    }

    @Test
    void refusesAJdkOlderThan25() throws Exception {
        try (ThrowawayRoot root = ThrowawayRoot.create()) {
            stage(root);
            fakeJdkArchive(root, "echo 'openjdk version \"21.0.5\" 2024-10-15' >&2");
            Tools.Result result = root.chroot(
                    120,
                    List.of(
                            "APPLIANCE_JAR=" + STAGING + "/appliance.jar",
                            "JDK_ARCHIVE=" + STAGING + "/jdk.tar.gz",
                            "SOURCE_DIR=" + STAGING),
                    "sh",
                    STAGING + "/provision.sh");
            assertThat(result.exitCode()).as(result.output()).isNotZero();
            assertThat(result.output())
                    .contains("the appliance needs a JDK 25 or later, /opt/gwlb-inspect/jdk has: openjdk version \"21");
        }
    }

    @Test
    void unpacksAJdkArchive() throws Exception {
        try (ThrowawayRoot root = ThrowawayRoot.create()) {
            stage(root);
            // A JDK-shaped archive whose java is the JDK running this test.
            fakeJdkArchive(root, "exec " + JDK.resolve("bin/java") + " \"$@\"");
            root.chroot(
                            300,
                            List.of(
                                    "APPLIANCE_JAR=" + STAGING + "/appliance.jar",
                                    "JDK_ARCHIVE=" + STAGING + "/jdk.tar.gz",
                                    "SOURCE_DIR=" + STAGING),
                            "sh",
                            STAGING + "/provision.sh")
                    .assertSucceeded("provision.sh with a JDK archive");
            Path jdk = root.file("/opt/gwlb-inspect/jdk");
            assertThat(Files.isDirectory(jdk, LinkOption.NOFOLLOW_LINKS)).isTrue();
            assertThat(jdk.resolve("bin/java")).isExecutable();
        }
    }

    /** Lays out what the Packer template uploads (the same paths relative to its staging directory). */
    private static void stage(ThrowawayRoot root) throws IOException {
        Path staging = root.file(STAGING);
        copyTree(Tools.REPOSITORY.resolve("packer/files"), staging.resolve("packer/files"));
        Files.createDirectories(staging.resolve("systemd"));
        Files.copy(
                Tools.REPOSITORY.resolve("systemd/gwlb-inspect.service"),
                staging.resolve("systemd/gwlb-inspect.service"));
        Files.createDirectories(staging.resolve("docs"));
        Files.copy(Tools.REPOSITORY.resolve("docs/operations.md"), staging.resolve("docs/operations.md"));
        Files.copy(Tools.REPOSITORY.resolve("packer/provision.sh"), staging.resolve("provision.sh"));
        Files.copy(Tools.APPLIANCE_JAR, staging.resolve("appliance.jar"));
    }

    private static void fakeJdkArchive(ThrowawayRoot root, String javaBody) throws Exception {
        Path dir = root.file("/var/tmp/fake-jdk/jdk-fake/bin");
        Files.createDirectories(dir);
        Path java = dir.resolve("java");
        Files.writeString(java, "#!/bin/sh\n" + javaBody + "\n");
        java.toFile().setExecutable(true);
        Tools.run(
                        60,
                        "tar",
                        "-czf",
                        root.file(STAGING + "/jdk.tar.gz").toString(),
                        "-C",
                        root.file("/var/tmp/fake-jdk").toString(),
                        "jdk-fake")
                .assertSucceeded("tar");
    }

    private static Tools.Result prestart(ThrowawayRoot root, String policySource, String... command)
            throws IOException, InterruptedException {
        String[] argv = command.length > 0
                ? command
                : new String[] {"/opt/gwlb-inspect/bin/gwlb-inspect-prestart", "--policy-only"};
        return root.chroot(
                120,
                List.of("POLICY_SOURCE=" + policySource, "AVAILABILITY_ZONE=test-1a", "IMDS_ENDPOINT=", "ENI_MTU=0"),
                argv);
    }

    /** Writes a file into /etc/gwlb-inspect of {@code root} with the modes provision.sh gives. */
    private static void writeConfig(ThrowawayRoot root, String name, String content) throws IOException {
        Path dir = root.file("/etc/gwlb-inspect");
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setAttribute(dir, "unix:gid", gid("gwlb-inspect"));
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(file, "unix:gid", gid("gwlb-inspect"));
    }

    private static void copyResource(String name, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Files.copy(Path.of("src/test/resources/production", name), target);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) Files.createDirectories(target);
                else Files.copy(source, target);
            }
        }
    }

    private static String mode(String absolutePath) throws IOException {
        return mode(absolutePath, provisioned);
    }

    private static String mode(String absolutePath, ThrowawayRoot root) throws IOException {
        return PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.file(absolutePath), LinkOption.NOFOLLOW_LINKS));
    }

    private static int group(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:gid");
    }

    /** The group's ID in the provisioned root's /etc/group. */
    private static int gid(String group) throws IOException {
        return Files.readAllLines(provisioned.file("/etc/group"), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith(group + ":"))
                .map(l -> Integer.parseInt(l.split(":")[2]))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no group " + group + " in the provisioned root"));
    }
}
