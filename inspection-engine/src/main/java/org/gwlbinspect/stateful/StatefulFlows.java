package org.gwlbinspect.stateful;

import org.gwlbinspect.detect.engine.StreamMatchState;
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
    /**
     * Per stream state index, two directions each: what payload matching keeps between segments. Created on first
     * use (only policies with stream payload rules use them) and reset when the flow gives its stream state back.
     */
    private final StreamMatchState[] streamMatches;

    private final FlowNames names;
    /** Per flow-table slot: the client sequence number an HTTP keep-alive flow resumes at, its state given back. */
    private final int[] resumeSequence;

    public StatefulFlows(int flowCapacity, StatefulConfig config) {
        this.flowbits = new long[flowCapacity];
        this.streamMatches = new StreamMatchState[config.stream().capacityStreams() * 2];
        this.streams = new TcpStreamPool(config.stream(), this::resetStreamMatches);
        this.parserSets = new AppParsers[config.parserSets()];
        for (int i = 0; i < parserSets.length; i++) parserSets[i] = new AppParsers();
        this.freeParsers = new IndexStack(parserSets.length);
        this.names = new FlowNames(flowCapacity, config.flowNames());
        this.resumeSequence = new int[flowCapacity];
    }

    int resumeSequence(int slot) {
        return resumeSequence[slot];
    }

    void resumeSequence(int slot, int seq) {
        resumeSequence[slot] = seq;
    }

    /** The SNI or HTTP host of each flow, for the alerts of its later packets. */
    public FlowNames names() {
        return names;
    }

    /**
     * The payload matching state of a flow direction; call it only while holding that direction's reassembly (inside a
     * {@link org.gwlbinspect.stream.StreamDataSink} callback), so that two workers never create or use it at once.
     */
    StreamMatchState streamMatch(int handle, int direction) {
        int i = TcpStreamPool.indexOf(handle) * 2 + direction;
        StreamMatchState state = streamMatches[i];
        if (state == null) streamMatches[i] = state = new StreamMatchState(); // first use of this pooled index
        return state;
    }

    /**
     * Clears the payload matching state of a stream state index and frees its Hyperscan streams; {@link
     * TcpStreamPool#release} calls it while it holds both directions, before the index can go to another flow.
     */
    private void resetStreamMatches(int index) {
        int i = index * 2;
        if (streamMatches[i] != null) streamMatches[i].reset();
        if (streamMatches[i + 1] != null) streamMatches[i + 1].reset();
    }

    /** Flow directions whose payload matching holds an open Hyperscan stream now (tests, diagnostics). */
    public int openHyperscanStreams() {
        int open = 0;
        for (StreamMatchState state : streamMatches) if (state != null && state.hyperscanOpen()) open++;
        return open;
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
        names.release(slot);
    }
}
