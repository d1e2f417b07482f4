package org.gwlbinspect.appliance.egress;

import java.io.IOException;

/** A libc call made through FFM failed; carries the call and its errno. Control plane only (opening, closing). */
public final class NativeCallException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    NativeCallException(String call, int errno, String hint) {
        super(call + " failed: " + Errno.name(errno) + " (" + Libc.strerror(errno) + ")"
                + (hint.isEmpty() ? "" : "; " + hint));
        this.call = call;
        this.errno = errno;
    }

    /** The call as written in C, e.g. {@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)}. */
    public String call() {
        return call;
    }

    /** The errno the call left, e.g. {@link Errno#EPERM}. */
    public int errno() {
        return errno;
    }
}
