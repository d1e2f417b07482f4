package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * packer/appliance.pkr.hcl passes {@code packer validate} (and {@code packer fmt -check}), which must be installed
 * (.ci/run installs Debian's packer 1.6.6, whose amazon builders are built in): a missing packer fails with the
 * command that installs it, never a skip. Validation runs in a network namespace of its own, so it cannot reach AWS (nor Packer's
 * update check).
 */
class PackerTemplateIT {
    private static final String TEMPLATE = "packer/appliance.pkr.hcl";
    private static final List<String> OFFLINE = List.of("CHECKPOINT_DISABLE=1");

    @Test
    void templateValidatesWithoutTheNetwork() throws Exception {
        Tools.require("packer", "packer");
        Tools.Result result = Tools.run(
                120,
                OFFLINE,
                "unshare",
                "--net",
                "sh",
                "-c",
                "cd " + Tools.REPOSITORY + " && packer validate -var appliance_jar=" + Tools.APPLIANCE_JAR + " "
                        + TEMPLATE);
        result.assertSucceeded("packer validate");
        assertThat(result.output()).doesNotContain("Error");
    }

    @Test
    void validationChecksTheJarItWillUpload() throws Exception {
        Tools.require("packer", "packer");
        Tools.Result result = Tools.run(
                120,
                OFFLINE,
                "unshare",
                "--net",
                "sh",
                "-c",
                "cd " + Tools.REPOSITORY + " && packer validate -var appliance_jar=/nonexistent/appliance.jar "
                        + TEMPLATE);
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("Bad source '/nonexistent/appliance.jar'");
    }

    @Test
    void templateIsFormatted() throws Exception {
        Tools.require("packer", "packer");
        Tools.run(
                        60,
                        OFFLINE,
                        "packer",
                        "fmt",
                        "-check",
                        Tools.REPOSITORY.resolve(TEMPLATE).toString())
                .assertSucceeded("packer fmt -check (run packer fmt " + TEMPLATE + ")");
    }
}
