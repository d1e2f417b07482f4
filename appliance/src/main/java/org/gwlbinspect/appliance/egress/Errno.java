package org.gwlbinspect.appliance.egress;

/**
 * Names of the Linux errno values ({@code <asm-generic/errno-base.h>}, {@code <asm-generic/errno.h>}) that socket
 * calls return, for exception messages and logs ({@code EPERM}, not "1").
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    /** Linux defines {@code EWOULDBLOCK} as {@code EAGAIN} ({@code <asm-generic/errno.h>}). */
    public static final int EWOULDBLOCK = EAGAIN;

    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int EMSGSIZE = 90;
    public static final int EAFNOSUPPORT = 97;
    public static final int ENETUNREACH = 101;
    public static final int ENOBUFS = 105;
    public static final int EHOSTUNREACH = 113;

    private Errno() {}

    /** The symbolic name of {@code errno} ({@code "EPERM"}), or {@code "errno <n>"} for one not listed. */
    public static String name(int errno) {
        return switch (errno) {
            case 0 -> "0";
            case EPERM -> "EPERM";
            case 2 -> "ENOENT";
            case EINTR -> "EINTR";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case 12 -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EINVAL -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 88 -> "ENOTSOCK";
            case 89 -> "EDESTADDRREQ";
            case EMSGSIZE -> "EMSGSIZE";
            case 93 -> "EPROTONOSUPPORT";
            case 94 -> "ESOCKTNOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 100 -> "ENETDOWN";
            case ENETUNREACH -> "ENETUNREACH";
            case ENOBUFS -> "ENOBUFS";
            case 111 -> "ECONNREFUSED";
            case EHOSTUNREACH -> "EHOSTUNREACH";
            default -> "errno " + errno;
        };
    }
}
