package org.gwlbinspect.appliance.learn;

import java.nio.file.Path;

/** A file given to {@code suggest-allowlist} that is not an EVE log: its name, the line and what was found there. */
public final class EveInputException extends Exception {
    private static final long serialVersionUID = 1L;

    public EveInputException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
    }
}
