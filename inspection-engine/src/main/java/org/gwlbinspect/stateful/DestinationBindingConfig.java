package org.gwlbinspect.stateful;

import java.time.Duration;
import java.util.List;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.gwlbinspect.policy.IpPrefix;

/**
 * Destination binding (docs/destination-binding.md).
 *
 * @param mode the global mode for rules that pass a flow on its {@code tls.sni} or {@code http.host}; a rule's {@code
 *     destination_binding} option overrides it
 * @param capacity bindings kept (name, address, client); 0 turns answer observation off (then {@code resolved.domain}
 *     never matches and binding checks find every name unresolved)
 * @param minTtl shortest time a binding is kept, whatever the answer's TTL: a client connects after its lookup, and a
 *     TTL 0 answer is still used for that connection
 * @param maxTtl longest time a binding is kept: bounds how long a binding occupies the map
 * @param startupGrace after start, an unresolved name is only alerted in {@code enforce} mode for this long: clients may
 *     use answers cached before the appliance saw them
 * @param resolvers answers count only from these server addresses (empty: from any server the client queried)
 */
public record DestinationBindingConfig(
        DestinationBindingMode mode,
        int capacity,
        Duration minTtl,
        Duration maxTtl,
        Duration startupGrace,
        List<IpPrefix> resolvers) {

    public DestinationBindingConfig {
        if (mode == null) throw new IllegalArgumentException("destinationBinding.mode is required");
        if (capacity < 0 || capacity > (1 << 26))
            throw new IllegalArgumentException("destinationBinding.capacity must be in 0..67108864, got " + capacity);
        if (minTtl.isNegative()) throw new IllegalArgumentException("destinationBinding.minTtl must not be negative");
        if (maxTtl.compareTo(minTtl) < 0 || maxTtl.isZero())
            throw new IllegalArgumentException("destinationBinding.maxTtl must be positive and at least minTtl");
        if (startupGrace.isNegative())
            throw new IllegalArgumentException("destinationBinding.startupGrace must not be negative");
        resolvers = List.copyOf(resolvers);
        if (mode != DestinationBindingMode.OFF && capacity == 0)
            throw new IllegalArgumentException("destinationBinding.mode " + mode.keyword() + " needs a capacity > 0");
    }

    /** Off, 65,536 bindings (about 22 MiB), TTLs clamped to 30 s .. 1 h, 5 minutes of grace, any resolver. */
    public static DestinationBindingConfig defaults() {
        return new DestinationBindingConfig(
                DestinationBindingMode.OFF,
                65_536,
                Duration.ofSeconds(30),
                Duration.ofHours(1),
                Duration.ofMinutes(5),
                List.of());
    }

    /** Off and no answer observed: what engines built without a configuration get. */
    public static DestinationBindingConfig disabled() {
        DestinationBindingConfig d = defaults();
        return new DestinationBindingConfig(
                DestinationBindingMode.OFF, 0, d.minTtl(), d.maxTtl(), d.startupGrace(), List.of());
    }

    /** Whether answers from {@code hi:lo} count. */
    public boolean trustsResolver(int version, long hi, long lo) {
        for (int i = 0; i < resolvers.size(); i++) { // indexed: no iterator on the data path
            if (resolvers.get(i).contains(version, hi, lo)) return true;
        }
        return resolvers.isEmpty();
    }
}
