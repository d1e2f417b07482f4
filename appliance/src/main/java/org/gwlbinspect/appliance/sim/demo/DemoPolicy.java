package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The demo's policy, {@code examples/policies/demo.json}, which the build copies into the jar beside this class: the
 * simulator writes it to a file and starts the appliance with it ({@code policy.path}).
 */
public final class DemoPolicy {
    /** The file's name in the repository's {@code examples/policies/} and in the jar. */
    public static final String FILE_NAME = "demo.json";

    private DemoPolicy() {}

    /** Writes the policy to {@code dir/demo.json} and returns that path. */
    public static Path writeTo(Path dir) throws IOException {
        try (InputStream in = DemoPolicy.class.getResourceAsStream(FILE_NAME)) {
            if (in == null)
                throw new IOException(FILE_NAME + " is missing from the classpath (the build copies it from"
                        + " examples/policies/ beside " + DemoPolicy.class.getName() + ")");
            Path target = dir.resolve(FILE_NAME);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
    }
}
