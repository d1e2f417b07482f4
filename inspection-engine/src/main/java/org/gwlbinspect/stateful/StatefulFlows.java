package org.gwlbinspect.stateful;

import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.detect.engine.StreamMatchState;
import org.gwlbinspect.flow.FlowEndListener;
import org.gwlbinspect.flow.FlowEndReason;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.l7.TlsRecordTracker;
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
    /**
     * Per stream state index, two directions each: the TLS record layer walked until the flow's encrypted part starts
     * ({@link EncryptionHandling#DEFAULT}). Created on first use and reset with {@link #streamMatches}.
     */
    private final TlsRecordTracker[] recordTrackers;

    private final EncryptionHandling encryptionHandling;
    private final FlowNames names;
    /** Per flow-table slot: the client sequence number an HTTP keep-alive flow resumes at, its state given back. */
    private final int[] resumeSequence;

    private final int flowCapacity;
    private final DestinationBindingConfig bindingConfig;
    /**
     * Null until a policy uses destination binding ({@link #enableBinding}): a policy that does not (NFW's behaviour,
     * the default) costs no memory for it. Written before {@link #resolved}, so a worker that sees the map sees it.
     */
    private volatile AtomicLongArray pendingQueries = new AtomicLongArray(0);
    /**
     * Per flow-table slot (in {@link #pendingQueries}), {@value #PENDING_QUERIES} DNS queries the client sent and no
     * answer matched yet: {@code 1 << 63 | id << 47 | qtype << 31 | name hash (31 bits)}, 0 when empty. Written by
     * the client direction's worker, taken by CAS by the server direction's.
     */
    private volatile ResolvedAddresses resolved;

    static final int PENDING_QUERIES = 2;

    public StatefulFlows(int flowCapacity, StatefulConfig config) {
        this(flowCapacity, config, DestinationBindingConfig.disabled());
    }

    public StatefulFlows(int flowCapacity, StatefulConfig config, DestinationBindingConfig binding) {
        this.flowCapacity = flowCapacity;
        this.bindingConfig = binding;
        this.flowbits = new long[flowCapacity];
        this.streamMatches = new StreamMatchState[config.stream().capacityStreams() * 2];
        this.recordTrackers = new TlsRecordTracker[config.stream().capacityStreams() * 2];
        this.encryptionHandling = config.encryptionHandling();
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

    /** What payload rules do once a TLS flow is encrypted. */
    public EncryptionHandling encryptionHandling() {
        return encryptionHandling;
    }

    /** Destination binding's configuration. */
    public DestinationBindingConfig bindingConfig() {
        return bindingConfig;
    }

    /** The bindings the DNS answers seen made; null until a policy used destination binding, or with capacity 0. */
    public ResolvedAddresses resolved() {
        return resolved;
    }

    /**
     * The map, allocated at the first call (about 350 bytes per binding and 16 bytes per flow-table slot): a worker
     * calls it when it installs a policy that uses destination binding, never per packet. Null with capacity 0.
     */
    ResolvedAddresses enableBinding() {
        ResolvedAddresses map = resolved;
        if (map != null || bindingConfig.capacity() == 0) return map;
        synchronized (this) { // once per process, at a policy install: workers racing there get one map
            if (resolved == null) {
                pendingQueries = new AtomicLongArray(flowCapacity * PENDING_QUERIES);
                resolved = new ResolvedAddresses(bindingConfig);
            }
            return resolved;
        }
    }

    /** Remembers a query the flow's client sent, replacing the older of two outstanding ones. */
    void recordQuery(int slot, long query) {
        AtomicLongArray pendingQueries = this.pendingQueries;
        int at = slot * PENDING_QUERIES;
        if (pendingQueries.get(at) == query || pendingQueries.get(at + 1) == query) return;
        int i = pendingQueries.get(at) == 0 ? at : pendingQueries.get(at + 1) == 0 ? at + 1 : at + (int) (query & 1);
        pendingQueries.set(i, query);
    }

    /** Takes the outstanding query {@code query} of the flow; false when the client sent none such. */
    boolean takeQuery(int slot, long query) {
        AtomicLongArray pendingQueries = this.pendingQueries;
        int at = slot * PENDING_QUERIES;
        for (int i = at; i < at + PENDING_QUERIES; i++) {
            if (pendingQueries.get(i) == query && pendingQueries.compareAndSet(i, query, 0)) return true;
        }
        return false;
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
     * The TLS record walk of a flow direction; call it only while holding that direction's reassembly, as {@link
     * #streamMatch}.
     */
    TlsRecordTracker recordTracker(int handle, int direction) {
        int i = TcpStreamPool.indexOf(handle) * 2 + direction;
        TlsRecordTracker tracker = recordTrackers[i];
        if (tracker == null) recordTrackers[i] = tracker = new TlsRecordTracker(); // first use of this pooled index
        return tracker;
    }

    /**
     * Whether the TLS record walks of both directions of the flow's stream state are intact: neither met a byte that is
     * not a TLS record (a direction that sent nothing is intact). False when the handle is stale.
     */
    boolean recordLayerIntact(int handle) {
        if (!streams.isCurrent(handle)) return false;
        int i = TcpStreamPool.indexOf(handle) * 2;
        return intact(recordTrackers[i]) && intact(recordTrackers[i + 1]);
    }

    private static boolean intact(TlsRecordTracker tracker) {
        return tracker == null || !tracker.broken();
    }

    /**
     * Clears the payload matching state of a stream state index and frees its Hyperscan streams; {@link
     * TcpStreamPool#release} calls it while it holds both directions, before the index can go to another flow.
     */
    private void resetStreamMatches(int index) {
        int i = index * 2;
        if (streamMatches[i] != null) streamMatches[i].reset();
        if (streamMatches[i + 1] != null) streamMatches[i + 1].reset();
        if (recordTrackers[i] != null) recordTrackers[i].reset();
        if (recordTrackers[i + 1] != null) recordTrackers[i + 1].reset();
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
        AtomicLongArray queries = pendingQueries;
        if (queries.length() > 0) {
            for (int i = 0; i < PENDING_QUERIES; i++) queries.set(slot * PENDING_QUERIES + i, 0);
        }
    }
}
