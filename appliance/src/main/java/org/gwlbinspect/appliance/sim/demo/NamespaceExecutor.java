package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A {@link ClientExecutor} that runs each command with {@code ip netns exec NAMESPACE}. */
public record NamespaceExecutor(String namespace) implements ClientExecutor {
    public NamespaceExecutor {
        if (namespace == null || namespace.isBlank()) throw new IllegalArgumentException("namespace must be named");
    }

    @Override
    public CommandResult run(List<String> argv, Duration limit) throws IOException, InterruptedException {
        return Commands.run(inNamespace(namespace, argv), limit);
    }

    /** {@code ip netns exec NAMESPACE argv...}: ip execs the command, so killing the process kills the command. */
    static List<String> inNamespace(String namespace, List<String> argv) {
        List<String> command = new ArrayList<>(argv.size() + 4);
        command.addAll(List.of("ip", "netns", "exec", namespace));
        command.addAll(argv);
        return command;
    }
}
