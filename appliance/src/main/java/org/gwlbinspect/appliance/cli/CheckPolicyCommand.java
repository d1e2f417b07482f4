package org.gwlbinspect.appliance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.gwlbinspect.appliance.learn.RuleGroupDocuments;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.stateless.StatelessEngine;

/**
 * {@code java -jar appliance.jar check-policy FILE}: validates and compiles a policy without starting the appliance.
 * Prints every problem (file, JSON path or line:column, sid) and exits 1, or a summary and exits 0.
 */
public final class CheckPolicyCommand extends Command {
    private final PrintStream out;
    private final PrintStream err;
    private final long statelessIndexBudgetBytes;

    public CheckPolicyCommand() {
        this(System.out, System.err);
    }

    CheckPolicyCommand(PrintStream out, PrintStream err) {
        this(out, err, StatelessEngine.INDEX_BUDGET_BYTES);
    }

    /** With another stateless index budget than the appliance's, so that a test can go over it with a few rules. */
    CheckPolicyCommand(PrintStream out, PrintStream err, long statelessIndexBudgetBytes) {
        super("check-policy", "Validate and compile a policy (NFW bundle JSON, *.rules or domain list) and exit");
        this.out = out;
        this.err = err;
        this.statelessIndexBudgetBytes = statelessIndexBudgetBytes;
    }

    @Override
    public void configure(Subparser subparser) {
        subparser.addArgument("file").help("the policy file");
        subparser
                .addArgument("--home-net")
                .nargs("+")
                .setDefault(PolicyLoadOptions.DEFAULT_HOME_NET)
                .help("HOME_NET when the policy does not set it (default: RFC 1918, RFC 6598 and ULA ranges)");
        subparser.addArgument("--quiet").action(Arguments.storeTrue()).help("print problems only");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        Path file = Path.of(namespace.getString("file"));
        List<String> homeNet = namespace.getList("home_net");
        int status = check(file, homeNet, namespace.getBoolean("quiet"));
        if (status != 0) throw new PolicyCheckFailed();
    }

    @Override
    public void onError(io.dropwizard.core.cli.Cli cli, Namespace namespace, Throwable e) {
        // The problems are already printed; anything else is unexpected and gets its stack trace.
        if (!(e instanceof PolicyCheckFailed)) super.onError(cli, namespace, e);
    }

    /** Returns 0 when the policy compiles, 1 otherwise (problems printed to stderr). */
    int check(Path file, List<String> homeNet, boolean quiet) {
        try {
            Path lone = loneRuleGroupPolicy(file);
            CompiledPolicy compiled;
            try {
                compiled = new PolicyCompiler(new PolicyLoadOptions(homeNet, Map.of()), statelessIndexBudgetBytes)
                        .compile(lone == null ? file : lone);
            } finally {
                if (lone != null) {
                    Files.deleteIfExists(lone);
                    Files.deleteIfExists(lone.getParent());
                }
            }
            if (lone != null && !quiet) {
                out.println(file + ": one rule group (describe-rule-group output), checked in a policy of its own:");
            }
            if (!quiet) {
                out.println(compiled.summary());
                for (String slow : compiled.slowPatterns())
                    out.println("slow pattern (JDK regex behind a Hyperscan prefilter): " + slow);
            }
            // The appliance logs this WARN at each load of the policy; the check shows it before the policy ships,
            // even with --quiet: the policy is accepted (exit 0), but its stateless cost grows with its rule count.
            String indexWarning = compiled.statelessIndexWarning();
            if (indexWarning != null) err.println("warning: " + indexWarning);
            compiled.close();
            return 0;
        } catch (PolicyException e) {
            for (PolicyProblem problem : e.problems()) err.println(problem);
            err.println(e.problems().size() + " problem(s); the policy was not accepted");
            return 1;
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage());
            return 1;
        }
    }

    /**
     * A lone {@code describe-rule-group} output (what {@code suggest-allowlist} writes) is checked inside a policy of
     * its own, written to a temporary file returned here; null when {@code file} is anything else (compiled as is).
     */
    private static Path loneRuleGroupPolicy(Path file) throws IOException {
        if (!file.getFileName().toString().endsWith(".json")) return null;
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            return null; // the loader reports it with line and column
        }
        if (root == null || !RuleGroupDocuments.isRuleGroup(root)) return null;
        Path dir = Files.createTempDirectory("check-policy-");
        return Files.writeString(
                dir.resolve(file.getFileName()),
                JSON.writeValueAsString(RuleGroupDocuments.policyAround(root)),
                StandardCharsets.UTF_8);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Makes the CLI exit non-zero after the problems were printed (Dropwizard prints only the message). */
    static final class PolicyCheckFailed extends Exception {
        private static final long serialVersionUID = 1L;

        PolicyCheckFailed() {
            super("policy check failed", null, false, false);
        }
    }
}
