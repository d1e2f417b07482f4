package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * systemd/gwlb-inspect.service: scored by {@code systemd-analyze security} (offline, from the file), the score the
 * README records. {@code systemd-analyze verify} runs on the installed unit in ProvisionScriptIT, and the sandbox is
 * exercised under a booted systemd there too.
 */
class SystemdUnitTest {
    private static final Path UNIT = Tools.REPOSITORY.resolve("systemd/gwlb-inspect.service");
    private static final Pattern OVERALL =
            Pattern.compile("Overall exposure level for gwlb-inspect\\.service: (\\d+\\.\\d) (\\w+)");

    @Test
    void securityExposureIsTheScoreTheReadmeRecords() throws Exception {
        Tools.require("systemd-analyze", "systemd");
        Tools.Result security =
                Tools.run(60, "systemd-analyze", "security", "--offline=true", "--no-pager", UNIT.toString());
        security.assertSucceeded("systemd-analyze security");
        Matcher overall = OVERALL.matcher(security.output());
        assertThat(overall.find()).as(security.output()).isTrue();
        double exposure = Double.parseDouble(overall.group(1));
        // 0 = fully sandboxed, 10 = not at all; "OK" is below 2. The network (the data path) cannot be taken away.
        assertThat(exposure).as(security.output()).isLessThan(2.0);
        assertThat(overall.group(2)).isEqualTo("OK");
        assertThat(Files.readString(Tools.REPOSITORY.resolve("README.md")))
                .as("README, Production: record the new score when the unit changes")
                .contains("`systemd-analyze security` exposure **" + overall.group(1) + " OK**");
    }

    @Test
    void grantsOnlyTheTwoCapabilitiesTheAppliancePrivilegedCallsNeed() throws Exception {
        String unit = Files.readString(UNIT);
        assertThat(unit)
                .contains("\nAmbientCapabilities=CAP_NET_RAW CAP_NET_BIND_SERVICE\n")
                .contains("\nCapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE\n")
                .contains("\nUser=gwlb-inspect\n")
                .contains("\nNoNewPrivileges=yes\n")
                .contains("\nProtectSystem=strict\n")
                .contains("\nPrivateTmp=yes\n")
                .contains("\nSystemCallFilter=@system-service\n")
                .contains("\nType=notify\n")
                .contains("\nSuccessExitStatus=143\n")
                .contains("\nLogsDirectory=gwlb-inspect\n");
        // The JIT needs writable executable memory.
        assertThat(unit).doesNotContain("\nMemoryDenyWriteExecute=");
    }
}
