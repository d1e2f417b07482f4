package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.flow.FlowTableTest.SECOND;
import static org.gwlbinspect.flow.FlowTableTest.T0;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FragmentTrackerTest {

    private static final int UDP = 17;
    private static final int CLIENT = 0x0A000001;
    private static final int SERVER = 0x0A000002;

    private final FlowTable flows = new FlowTable(FlowTableTest.config(16), FlowEndListener.NONE, 42);
    private final FragmentTracker fragments = new FragmentTracker(flows, 64, Duration.ofSeconds(30));

    /** First fragment: ports known; the flow is looked up and its mapping recorded. */
    private int recordFirst(long endpoint, int src, int dst, int srcPort, int dstPort, int fragmentId, long now) {
        FlowKey key = new FlowKey().setIpv4(endpoint, src, dst, UDP, srcPort, dstPort);
        int slot = flows.lookupOrCreate(key, now);
        assertThat(fragments.recordFirstFragment(key, fragmentId, slot, now)).isTrue();
        return slot;
    }

    /** Non-first fragment: no ports. */
    private static FlowKey later(long endpoint, int src, int dst) {
        return new FlowKey().setIpv4(endpoint, src, dst, UDP, 0, 0);
    }

    @Test
    void nonFirstFragmentFindsTheFlowOfItsFirstFragment() {
        int slot = recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1234, T0);
        FlowKey key = later(1, CLIENT, SERVER);

        assertThat(fragments.lookupFlow(key, 0x1234, T0 + SECOND)).isEqualTo(slot);
        assertThat(key.generation()).isEqualTo(flows.generation(slot));
        assertThat(flows.recordInbound(slot, key, T0 + SECOND, 1480, FlowTableTest.gwlbHeader(1), 0, 40, 1, 2, 3))
                .isEqualTo(RecordResult.HEADER_STORED);
        assertThat(flows.packets(
                        slot,
                        new FlowKey()
                                .setIpv4(1, CLIENT, SERVER, UDP, 40000, 4789)
                                .direction()))
                .isEqualTo(1);
    }

    @Test
    void fragmentsOfTheReplyDirectionGetTheReplyDirection() {
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 7, T0);
        FlowKey reply = new FlowKey().setIpv4(1, SERVER, CLIENT, UDP, 4789, 40000);
        int slot = flows.lookupOrCreate(reply, T0);
        fragments.recordFirstFragment(reply, 7, slot, T0);
        FlowKey key = later(1, SERVER, CLIENT);

        assertThat(fragments.lookupFlow(key, 7, T0)).isEqualTo(slot);
        assertThat(key.direction()).isEqualTo(reply.direction());
    }

    @Test
    void fragmentWithoutFirstFragmentIsNotFoundAndCounted() {
        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 99, T0)).isEqualTo(FragmentTracker.NOT_FOUND);
        assertThat(fragments.lookupMisses()).isEqualTo(1);
    }

    @Test
    void otherFragmentIdsEndpointsAndDirectionsDoNotMatch() {
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1234, T0);

        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 0x1235, T0)).isNegative();
        assertThat(fragments.lookupFlow(later(2, CLIENT, SERVER), 0x1234, T0)).isNegative();
        assertThat(fragments.lookupFlow(later(1, SERVER, CLIENT), 0x1234, T0)).isNegative();
        assertThat(fragments.lookupMisses()).isEqualTo(3);
    }

    @Test
    void mappingExpiresAfterTheFragmentTimeout() {
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 5, T0);

        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 5, T0 + 29 * SECOND))
                .isNotNegative();
        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 5, T0 + 30 * SECOND))
                .isNegative();
    }

    @Test
    void mappingToAFlowThatEndedIsNotFound() {
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 5, T0);
        flows.expireIdle(T0 + 10 + 120 * SECOND, flows.indexSize());
        flows.lookupOrCreate(new FlowKey().setIpv4(1, 3, 4, UDP, 1, 1), T0 + 121 * SECOND); // may reuse the slot

        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 5, T0 + 20 * SECOND))
                .isNegative();
    }

    @Test
    void expiredMappingsAreReusedAndFullWindowsOverwriteTheOldest() {
        FragmentTracker tiny = new FragmentTracker(flows, 2, Duration.ofSeconds(30)); // two entries, one window
        FlowKey key = new FlowKey().setIpv4(1, CLIENT, SERVER, UDP, 1, 2);
        int slot = flows.lookupOrCreate(key, T0);
        tiny.recordFirstFragment(key, 1, slot, T0);
        tiny.recordFirstFragment(key, 2, slot, T0 + SECOND);
        tiny.recordFirstFragment(key, 3, slot, T0 + 2 * SECOND); // overwrites ID 1, the soonest to expire

        assertThat(tiny.overwrittenLive()).isEqualTo(1);
        assertThat(tiny.lookupFlow(later(1, CLIENT, SERVER), 1, T0 + 2 * SECOND))
                .isNegative();
        assertThat(tiny.lookupFlow(later(1, CLIENT, SERVER), 2, T0 + 2 * SECOND))
                .isEqualTo(slot);
        assertThat(tiny.lookupFlow(later(1, CLIENT, SERVER), 3, T0 + 2 * SECOND))
                .isEqualTo(slot);

        tiny.recordFirstFragment(key, 4, slot, T0 + 40 * SECOND); // both expired: reused, nothing live overwritten
        assertThat(tiny.overwrittenLive()).isEqualTo(1);
        assertThat(tiny.recorded()).isEqualTo(4);
    }

    @Test
    void markedDatagramTurnsItsLaterFragmentsAwayAndLeavesOthersAlone() {
        int slot = recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1234, T0);
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1235, T0);
        FlowKey first = new FlowKey().setIpv4(1, CLIENT, SERVER, UDP, 40000, 4789);

        assertThat(fragments.markDatagramDropped(first, 0x1234, T0 + SECOND)).isTrue();
        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 0x1234, T0 + SECOND))
                .isEqualTo(FragmentTracker.DATAGRAM_DROPPED);
        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 0x1234, T0 + 2 * SECOND))
                .isEqualTo(FragmentTracker.DATAGRAM_DROPPED);
        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 0x1235, T0 + SECOND))
                .isEqualTo(slot);
        assertThat(fragments.droppedDatagrams()).isEqualTo(1);
        assertThat(fragments.droppedFragments()).isEqualTo(2);
        assertThat(fragments.lookupMisses()).isZero();
    }

    @Test
    void markingADatagramWithoutALiveMappingChangesNothing() {
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1234, T0);
        FlowKey first = new FlowKey().setIpv4(1, CLIENT, SERVER, UDP, 40000, 4789);

        assertThat(fragments.markDatagramDropped(first, 0x9999, T0)).isFalse();
        assertThat(fragments.markDatagramDropped(first, 0x1234, T0 + 30 * SECOND))
                .isFalse(); // expired
        assertThat(fragments.droppedDatagrams()).isZero();
    }

    @Test
    void aRepeatedFirstFragmentClearsTheMark() {
        int slot = recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1234, T0);
        FlowKey first = new FlowKey().setIpv4(1, CLIENT, SERVER, UDP, 40000, 4789);
        fragments.markDatagramDropped(first, 0x1234, T0);

        // The sender retransmitted the datagram with the same ID: its first fragment is inspected again, afresh.
        recordFirst(1, CLIENT, SERVER, 40000, 4789, 0x1234, T0 + SECOND);
        assertThat(fragments.lookupFlow(later(1, CLIENT, SERVER), 0x1234, T0 + SECOND))
                .isEqualTo(slot);
    }
}
