package org.gwlbinspect.appliance.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Serial;

/** Serves the Prometheus text exposition format at {@code /metrics} on the admin connector. */
public final class PrometheusServlet extends HttpServlet {
    @Serial
    private static final long serialVersionUID = 1L;

    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final transient PrometheusMeterRegistry registry;

    public PrometheusServlet(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(TEXT_FORMAT);
        response.setHeader("Cache-Control", "must-revalidate,no-cache,no-store");
        response.getWriter().write(registry.scrape(TEXT_FORMAT));
    }
}
