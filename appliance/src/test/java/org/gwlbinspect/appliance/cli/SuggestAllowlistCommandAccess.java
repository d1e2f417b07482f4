package org.gwlbinspect.appliance.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.gwlbinspect.appliance.learn.TargetForm;
import org.gwlbinspect.policy.RuleOrder;

/** {@code suggest-allowlist} for tests in other packages (the simulator's ITs), as the command line would run it. */
public final class SuggestAllowlistCommandAccess {
    private SuggestAllowlistCommandAccess() {}

    /**
     * {@code suggest-allowlist --include-unlisted --output OUTPUT --base BASE --bundle BUNDLE FILES...}; the table and
     * any error go to {@code out}.
     */
    public static int suggest(PrintStream out, List<Path> files, Path output, Path base, Path bundle) {
        SuggestAllowlistCommand command = new SuggestAllowlistCommand(out, out);
        return command.suggest(new SuggestAllowlistCommand.Options(
                files,
                output,
                bundle,
                base,
                null,
                "learned-allowlist",
                RuleOrder.STRICT_ORDER,
                TargetForm.REGISTRABLE,
                true,
                false));
    }
}
