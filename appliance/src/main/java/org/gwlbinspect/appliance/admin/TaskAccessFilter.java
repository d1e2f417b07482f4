package org.gwlbinspect.appliance.admin;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the admin port's {@code /tasks/*} with {@link TaskAccess}: refused requests get 401 (with {@code
 * WWW-Authenticate: Bearer}) or 403, are counted, and logged at most once per {@value #LOG_INTERVAL_SECONDS} s with
 * the number left out, so a client hammering the port cannot fill the log.
 */
public final class TaskAccessFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(TaskAccessFilter.class);
    static final long LOG_INTERVAL_SECONDS = 10;

    private final TaskAccess access;
    private final Object logLock = new Object();
    private long lastLoggedNanos;
    private boolean loggedOnce;
    private long suppressed;

    public TaskAccessFilter(TaskAccess access) {
        this.access = access;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        TaskAccessDecision decision = access.decide(http.getRemoteAddr(), http.getHeader("Authorization"));
        if (decision.allowed()) {
            chain.doFilter(request, response);
            return;
        }
        logRefusal(http, decision);
        HttpServletResponse out = (HttpServletResponse) response;
        if (decision.status() == 401) {
            out.setHeader(
                    "WWW-Authenticate",
                    decision == TaskAccessDecision.INVALID_TOKEN
                            ? "Bearer realm=\"gwlb-inspect admin\", error=\"invalid_token\""
                            : "Bearer realm=\"gwlb-inspect admin\"");
        }
        out.sendError(decision.status(), "admin task refused: " + decision.label());
    }

    private void logRefusal(HttpServletRequest request, TaskAccessDecision decision) {
        long now = System.nanoTime();
        long left;
        synchronized (logLock) { // admin port only, never the data path
            if (loggedOnce && now - lastLoggedNanos < TimeUnit.SECONDS.toNanos(LOG_INTERVAL_SECONDS)) {
                suppressed++;
                return;
            }
            left = suppressed;
            suppressed = 0;
            loggedOnce = true;
            lastLoggedNanos = now;
        }
        LOG.warn(
                "refused admin task {} {} from {}: {} ({} more refusals not logged since the last message)",
                request.getMethod(),
                request.getRequestURI(),
                request.getRemoteAddr(),
                decision.label(),
                left);
    }
}
