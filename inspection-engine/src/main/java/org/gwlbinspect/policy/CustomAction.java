package org.gwlbinspect.policy;

/**
 * A stateless custom action (policy.md §1.1): its only effect is a metric with dimension {@code CustomAction=value}.
 *
 * @param name the {@code ActionName} rules refer to
 * @param dimensionValue the single {@code PublishMetricAction} dimension value
 */
public record CustomAction(String name, String dimensionValue) {}
