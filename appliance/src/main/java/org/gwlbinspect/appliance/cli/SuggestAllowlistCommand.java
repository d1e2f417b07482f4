package org.gwlbinspect.appliance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.gwlbinspect.appliance.learn.AllowlistSuggestion;
import org.gwlbinspect.appliance.learn.EveInputException;
import org.gwlbinspect.appliance.learn.EveNameReader;
import org.gwlbinspect.appliance.learn.LearnedPolicy;
import org.gwlbinspect.appliance.learn.RegistrableDomains;
import org.gwlbinspect.appliance.learn.SuggestionReport;
import org.gwlbinspect.appliance.learn.TargetForm;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.RuleOrder;

/**
 * {@code java -jar appliance.jar suggest-allowlist EVE_FILE...}: reads the alert logs of a learning run (monitor mode,
 * docs/learning-mode.md) and writes an NFW domain allow-list rule group of the names no rule allowed, grouped by
 * registrable domain, with a report of counts and first and last seen. Exits 1 without writing anything when an input
 * is not an EVE log, no name was found, or the result would not load.
 */
public final class SuggestAllowlistCommand extends Command {
    /** NFW's rule group names. */
    private static final Pattern GROUP_NAME = Pattern.compile("[a-zA-Z0-9-]{1,128}");

    private final PrintStream out;
    private final PrintStream err;
    private final ObjectMapper json = new ObjectMapper();

    public SuggestAllowlistCommand() {
        this(System.out, System.err);
    }

    SuggestAllowlistCommand(PrintStream out, PrintStream err) {
        super(
                "suggest-allowlist",
                "Write an NFW domain allow-list rule group of the names in EVE alert logs (learning mode)");
        this.out = out;
        this.err = err;
    }

    /** The command line, parsed. */
    record Options(
            List<Path> files,
            Path output,
            Path bundle,
            Path base,
            Path report,
            String name,
            RuleOrder ruleOrder,
            TargetForm form,
            boolean includeUnlisted,
            boolean allAlerts) {}

    @Override
    public void configure(Subparser subparser) {
        subparser
                .addArgument("files")
                .nargs("+")
                .help("EVE alert logs: alert.json and its rotated copies (alert.json.1 ...), plain or gzip");
        subparser
                .addArgument("--output", "-o")
                .setDefault("learned-allowlist.json")
                .help("the rule group, as describe-rule-group prints it ('-': stdout; default learned-allowlist.json)");
        subparser
                .addArgument("--bundle")
                .help("also write a policy bundle with the group: --base with it added, or a new strict-order policy");
        subparser.addArgument("--base").help("the policy bundle to add the group to (its rule order and account)");
        subparser
                .addArgument("--report")
                .help("also write the report (entries, names, counts, first/last seen) as JSON");
        subparser.addArgument("--name").setDefault("learned-allowlist").help("the rule group's name");
        subparser
                .addArgument("--rule-order")
                .choices("STRICT_ORDER", "DEFAULT_ACTION_ORDER")
                .setDefault("STRICT_ORDER")
                .help("the group's rule order without --base (default STRICT_ORDER, with aws:drop_established)");
        subparser
                .addArgument("--exact")
                .action(Arguments.storeTrue())
                .help("one exact entry per name instead of one .registrable.domain entry per registrable domain");
        subparser
                .addArgument("--include-unlisted")
                .action(Arguments.storeTrue())
                .help("group names under no public suffix (.internal, .test) by their last two labels");
        subparser
                .addArgument("--all-alerts")
                .action(Arguments.storeTrue())
                .help("learn the names of every alert, not only of those no rule allowed (default actions, allow-list"
                        + " drops)");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        List<Path> files = new ArrayList<>();
        for (Object file : namespace.getList("files")) files.add(Path.of(file.toString()));
        String base = namespace.getString("base");
        String bundle = namespace.getString("bundle");
        String report = namespace.getString("report");
        Options options = new Options(
                files,
                Path.of(namespace.getString("output")),
                bundle == null ? null : Path.of(bundle),
                base == null ? null : Path.of(base),
                report == null ? null : Path.of(report),
                namespace.getString("name"),
                RuleOrder.valueOf(namespace.getString("rule_order")),
                namespace.getBoolean("exact") ? TargetForm.EXACT : TargetForm.REGISTRABLE,
                namespace.getBoolean("include_unlisted"),
                namespace.getBoolean("all_alerts"));
        if (suggest(options) != 0) throw new SuggestionFailed();
    }

    @Override
    public void onError(io.dropwizard.core.cli.Cli cli, Namespace namespace, Throwable e) {
        // The problem is already printed; anything else is unexpected and gets its stack trace.
        if (!(e instanceof SuggestionFailed)) super.onError(cli, namespace, e);
    }

    /** Returns 0 when the group (and bundle, report) were written, 1 otherwise (the reason printed to stderr). */
    int suggest(Options options) {
        if (!GROUP_NAME.matcher(options.name()).matches()) {
            return fail("--name must be 1-128 letters, digits and hyphens (an NFW rule group name), got '"
                    + options.name() + "'");
        }
        EveNameReader reader = new EveNameReader(options.allAlerts());
        for (Path file : options.files()) {
            try {
                reader.read(file);
            } catch (NoSuchFileException e) {
                return fail(file + ": no such file");
            } catch (IOException e) {
                return fail(file + ": cannot read: " + e.getMessage());
            } catch (EveInputException e) {
                return fail(e.getMessage());
            }
        }
        AllowlistSuggestion suggestion = AllowlistSuggestion.of(
                reader.names().values(), new RegistrableDomains(options.includeUnlisted()), options.form());
        SuggestionReport report = new SuggestionReport(suggestion, reader);
        boolean toStdout = options.output().toString().equals("-");
        PrintStream table = toStdout ? err : out;
        if (suggestion.entries().isEmpty()) {
            report.printTable(err);
            return fail("no name to allow in " + reader.alertRecords() + " alert records of " + reader.files()
                    + " file(s); nothing written");
        }
        JsonNode baseBundle = null;
        if (options.base() != null) {
            try {
                baseBundle = json.readTree(Files.readString(options.base(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                return fail(options.base() + ": not JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                return fail(options.base() + ": cannot read: " + e.getMessage());
            }
        }
        LearnedPolicy learned;
        try {
            learned = LearnedPolicy.build(
                    suggestion.targets(), options.name(), options.ruleOrder(), baseBundle, report.description());
        } catch (IllegalArgumentException e) {
            return fail(options.base() + ": " + e.getMessage());
        } catch (PolicyException e) {
            for (PolicyProblem problem : e.problems()) err.println(problem);
            return fail("the learned policy does not load; nothing written");
        } catch (IOException e) {
            return fail("cannot check the learned policy: " + e.getMessage());
        }
        try {
            String group = pretty(learned.ruleGroup());
            if (toStdout) out.print(group);
            else Files.writeString(options.output(), group, StandardCharsets.UTF_8);
            if (options.bundle() != null) {
                Files.writeString(options.bundle(), pretty(learned.bundle()), StandardCharsets.UTF_8);
            }
            if (options.report() != null) {
                Files.writeString(options.report(), pretty(report.toJson()), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            return fail("cannot write: " + e.getMessage());
        }
        report.printTable(table);
        table.println();
        table.println("wrote "
                + (toStdout ? "the rule group to stdout" : options.output().toString()) + " ("
                + suggestion.entries().size() + " entries, " + learned.ruleOrder() + ")"
                + (options.bundle() == null ? "" : ", " + options.bundle())
                + (options.report() == null ? "" : ", " + options.report()));
        return 0;
    }

    private String pretty(ObjectNode node) throws JsonProcessingException {
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
    }

    private int fail(String message) {
        err.println("suggest-allowlist: " + message);
        return 1;
    }

    /** Makes the CLI exit non-zero after the reason was printed (Dropwizard prints only the message). */
    static final class SuggestionFailed extends Exception {
        private static final long serialVersionUID = 1L;

        SuggestionFailed() {
            super("suggest-allowlist failed", null, false, false);
        }
    }
}
