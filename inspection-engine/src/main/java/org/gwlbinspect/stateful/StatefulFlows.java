package org.gwlbinspect.stateful;

import org.gwlbinspect.flow.FlowEndListener;
import org.gwlbinspect.flow.FlowEndReason;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.stream.IndexStack;
import org.gwlbinspect.stream.TcpStreamPool;

/**
 * The stateful engine's per-flow memory beyond the policy word, shared by all workers and preallocated: flowbits per
 * flow table slot, the TCP stream pool and the app-layer parser sets. Its {@link #onFlowEnd} returns a flow's stream
 * state and parser set; the flow table's {@link FlowEndListener} must call it.
 */
public final class StatefulFlows implements FlowEndListener {
    private final long[] flowbits;
    private final TcpStreamPool streams;
    private final AppParsers[] parserSets;
    private final IndexStack freeParsers;

    public StatefulFlows(int flowCapacity, StatefulConfig config) {
        this.flowbits = new long[flowCapacity];
        this.streams = new TcpStreamPool(config.stream());
        this.parserSets = new AppParsers[config.parserSets()];
        for (int i = 0; i < parserSets.length; i++) parserSets[i] = new AppParsers();
        this.freeParsers = new IndexStack(parserSets.length);
    }

    TcpStreamPool streams() {
        return streams;
    }

    long flowbits(int slot) {
        return flowbits[slot];
    }

    void flowbits(int slot, long bits) {
        flowbits[slot] = bits;
    }

    /** A reset parser set's index, or -1 when all are in use. */
    int acquireParsers() {
        int index = freeParsers.pop();
        if (index >= 0) parserSets[index].reset();
        return index;
    }

    AppParsers parsers(int index) {
        return parserSets[index];
    }

    void releaseParsers(int index) {
        if (index >= 0 && index < parserSets.length) freeParsers.push(index);
    }

    /** Parser sets not in use now (metrics, tests). */
    public int freeParserSets() {
        return freeParsers.size();
    }

    /**
     * Returns what the ending flow held. Runs before the slot is reused; a worker still inside the flow's stream is
     * waited for by {@link TcpStreamPool#release}.
     */
    @Override
    public void onFlowEnd(FlowTable table, int slot, FlowEndReason reason, long nowNanos) {
        int handle = table.policyIndex(slot);
        if (handle != TcpStreamPool.NO_STREAM) streams.release(handle);
        long word = table.policyState(slot);
        int parsers = PolicyWord.parsers(word);
        // Clear the word first so that a worker racing with the end cannot release the same set a second time.
        if (parsers >= 0 && table.compareAndSetPolicyState(slot, word, PolicyWord.withParsers(word, -1))) {
            releaseParsers(parsers);
        }
        flowbits[slot] = 0;
    }
}
