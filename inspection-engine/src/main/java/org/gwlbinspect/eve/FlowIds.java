package org.gwlbinspect.eve;

/**
 * The EVE {@code flow_id} of a flow-table slot's flow (policy.md §4: shared by a flow's alert and netflow records).
 *
 * <p>Suricata's ids are 51-bit numbers (about 10^15) derived from the flow hash and start time. Ours number the pair
 * (slot, generation) instead: slot (24 bits, {@code FlowTableConfig.MAX_CAPACITY}) and the low 27
 * bits of the generation make a 51-bit value, which a bijective mix (xor-shifts and odd multiplications modulo 2^51)
 * spreads over the same range, so ids look like Suricata's and consecutive flows do not get consecutive ids. Two live
 * or recently ended flows never share an id; one slot's ids repeat after 2^27 reuses, and they repeat across restarts
 * and appliances (read {@code flow_id} together with {@code firewall_name}, {@code availability_zone} and time).
 */
public final class FlowIds {

    /** Largest id: every id is in [1, 2^51], below 2^53 so JSON readers that use doubles keep it exact. */
    public static final long MAX_ID = 1L << 51;

    private static final int SLOT_BITS = 24;
    private static final int GENERATION_BITS = 27;
    private static final long SLOT_MASK = (1L << SLOT_BITS) - 1;
    private static final long GENERATION_MASK = (1L << GENERATION_BITS) - 1;
    private static final long MASK = MAX_ID - 1;

    // XOR first so that (slot 0, generation 0) does not stay 0 (the mix maps 0 to 0).
    private static final long SALT = 0x5_3A8E_7C1D_2B49L & MASK;
    private static final long MULTIPLIER_1 = 0x2_B7E1_5162_8AEDL | 1; // odd: invertible modulo 2^51
    private static final long MULTIPLIER_2 = 0x4_F1BB_CDCB_FA53L | 1;

    private FlowIds() {}

    /**
     * The id of the flow in {@code slot} (0 to 2^24 - 1) at {@code generation} (any value; its low 27 bits count).
     * Allocation-free; the same inputs always give the same id.
     */
    public static long of(int slot, int generation) {
        long x = ((generation & GENERATION_MASK) << SLOT_BITS) | (slot & SLOT_MASK);
        x ^= SALT;
        x ^= x >>> 26;
        x = (x * MULTIPLIER_1) & MASK;
        x ^= x >>> 23;
        x = (x * MULTIPLIER_2) & MASK;
        x ^= x >>> 25;
        // The mix is a bijection of [0, 2^51); the one input that lands on 0 takes the otherwise unused 2^51.
        return x == 0 ? MAX_ID : x;
    }
}
