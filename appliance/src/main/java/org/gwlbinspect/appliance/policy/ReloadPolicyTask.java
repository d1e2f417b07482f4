package org.gwlbinspect.appliance.policy;

import io.dropwizard.servlets.tasks.Task;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code POST /tasks/reload-policy} on the admin port: reloads the policy file and prints what happened. */
public final class ReloadPolicyTask extends Task {
    private final PolicyReloader reloader;

    public ReloadPolicyTask(PolicyReloader reloader) {
        super("reload-policy");
        this.reloader = reloader;
    }

    @Override
    public void execute(Map<String, List<String>> parameters, PrintWriter output) {
        PolicyReloader.Result result = reloader.reload("admin task");
        output.println(result.message());
        // A failed reload answers 500 so scripts and `curl --fail` notice; the old policy keeps running.
        if (!result.installed()) throw new PolicyReloadFailed(result.message());
    }

    static final class PolicyReloadFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PolicyReloadFailed(String message) {
            super(message, null, false, false);
        }
    }
}
