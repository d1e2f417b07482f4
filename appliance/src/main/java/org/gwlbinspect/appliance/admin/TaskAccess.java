package org.gwlbinspect.appliance.admin;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.appliance.config.AdminAccessConfig;

/**
 * Decides whether a request may run an admin task: a loopback peer (if allowed) or the configured bearer token
 * ({@code Authorization: Bearer <token>}, RFC 6750 §2.1). Counts every decision by {@link TaskAccessDecision}.
 */
public final class TaskAccess {
    private static final String BEARER = "Bearer ";

    private final byte[] token; // null: none configured
    private final boolean allowLoopback;
    private final AtomicLongArray decisions = new AtomicLongArray(TaskAccessDecision.values().length);

    public TaskAccess(AdminAccessConfig config) {
        this.token = config.token() == null ? null : config.token().getBytes(StandardCharsets.US_ASCII);
        this.allowLoopback = config.allowLoopback();
    }

    /**
     * @param peerAddress the TCP peer's address as the servlet container reports it (a literal, never resolved)
     * @param authorization the {@code Authorization} header, or null
     */
    public TaskAccessDecision decide(String peerAddress, String authorization) {
        TaskAccessDecision decision = evaluate(peerAddress, authorization);
        decisions.incrementAndGet(decision.ordinal());
        return decision;
    }

    /** Requests decided so far with {@code decision}. */
    public long count(TaskAccessDecision decision) {
        return decisions.get(decision.ordinal());
    }

    private TaskAccessDecision evaluate(String peerAddress, String authorization) {
        // A token that is present is checked first: a wrong one is refused even from loopback, so a script with a
        // stale token notices.
        if (authorization != null && token != null) {
            if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length()))
                return TaskAccessDecision.MISSING_TOKEN;
            byte[] presented = authorization.substring(BEARER.length()).strip().getBytes(StandardCharsets.US_ASCII);
            // Constant time: the comparison must not tell an attacker how many leading characters were right.
            return MessageDigest.isEqual(presented, token)
                    ? TaskAccessDecision.ALLOWED_TOKEN
                    : TaskAccessDecision.INVALID_TOKEN;
        }
        if (allowLoopback && isLoopback(peerAddress)) return TaskAccessDecision.ALLOWED_LOOPBACK;
        return token == null ? TaskAccessDecision.NOT_LOOPBACK : TaskAccessDecision.MISSING_TOKEN;
    }

    private static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) return false;
        // Only literals reach here (Jetty reports the socket's address); refuse anything that would need a lookup.
        char first = address.charAt(0);
        if (!(Character.digit(first, 16) >= 0 || first == ':' || first == '[')) return false;
        try {
            String literal = first == '[' ? address.substring(1, address.length() - 1) : address;
            return InetAddress.ofLiteral(literal).isLoopbackAddress();
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            return false;
        }
    }
}
