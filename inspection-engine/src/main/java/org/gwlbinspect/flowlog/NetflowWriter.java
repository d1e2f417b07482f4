package org.gwlbinspect.flowlog;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveProducer;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.eve.FlowIds;
import org.gwlbinspect.flow.FlowEndListener;
import org.gwlbinspect.flow.FlowEndReason;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.l7.AppProtocol;

/**
 * Writes NFW's flow log (policy.md §4): when a flow ends, one EVE {@code netflow} record per direction that saw
 * packets, initiator's direction first, with source and destination as that direction's packets travelled, as
 * Suricata's netflow logger does. Counters and last-seen time come from the {@link FlowTable} ({@code bytes} are inner
 * IP bytes: see {@link #ipBytes}), start time, TCP flags, TTLs, app protocol and alerted flag from the {@link
 * FlowRecords}; {@code flow_id} is {@link FlowIds#of}; {@code start} and {@code end} are the flow's first and last
 * packet in both records, {@code timestamp} the time the record was written, as in Suricata.
 *
 * <p>{@code state} is derived as Suricata's flow state would be: TCP {@code closed} after a RST or a FIN in both
 * directions, {@code established} once the responder answered and the initiator acknowledged, else {@code new};
 * other protocols {@code established} once both directions were seen. {@code reason} is {@code timeout} for an idle
 * flow, {@code forced} for one evicted from a full table (Suricata's reason for flows it had to take back) and {@code
 * shutdown} for flows still live when the appliance stops ({@link #writeLiveFlows}).
 *
 * <h2>Threads</h2>
 *
 * {@link #onFlowEnd} runs on the housekeeping thread (idle flows) and on any worker (evictions). {@link EveProducer}
 * takes one producing thread, so each calling thread gets its own, registered with the log on that thread's first
 * record and kept in a {@link ThreadLocal}: no allocation or lock per record after that. On a worker a full ring drops
 * the record (counted by the log); threads off the data path may instead wait for the log writer ({@link
 * #waitForSpaceOnThisThread}), as {@link #writeLiveFlows} always does.
 */
public final class NetflowWriter implements FlowEndListener {

    /** Longest wait for ring space per record on a thread that may wait; a writer this slow is stalled. */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final long WAIT_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final int TCP = 6;
    private static final int CLOSING_FLAGS = TcpHeader.FIN | TcpHeader.RST;

    private final FlowRecords records;
    private final EpochClock clock;
    private final ThreadLocal<ThreadState> threads = ThreadLocal.withInitial(ThreadState::new);
    private volatile EveLog log;

    public NetflowWriter(FlowRecords records, EpochClock clock) {
        this.records = Objects.requireNonNull(records, "records");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Writes records to {@code log} from now on (producers are registered with it as threads first write). */
    public void attach(EveLog log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Stops writing: flows that end from now on are not logged. Call before closing the log. */
    public void detach() {
        this.log = null;
    }

    public FlowRecords records() {
        return records;
    }

    /**
     * Lets the calling thread wait (parking, up to {@value #MAX_WAIT_NANOS} ns per record) for room in its ring
     * instead of dropping a record. Only for threads off the data path, such as the flow-expiry thread.
     */
    public void waitForSpaceOnThisThread() {
        threads.get().mayWait = true;
    }

    @Override
    public void onFlowEnd(FlowTable table, int slot, FlowEndReason reason, long nowNanos) {
        // Without a log, end here: every eviction of a full table calls this, and the thread-local lookup below cost
        // 7 % of flow setup (docs/performance.md).
        if (log == null) return;
        write(
                table,
                slot,
                reason == FlowEndReason.EVICTED ? EveRecord.FlowReason.FORCED : EveRecord.FlowReason.TIMEOUT,
                nowNanos,
                threads.get());
    }

    /**
     * Writes the records of every flow still live in {@code table} with reason {@code shutdown}, waiting for the log
     * writer as needed. Call once when the workers and the expiry thread have stopped: flows are read, not ended.
     *
     * @return the flows written
     */
    public int writeLiveFlows(FlowTable table, long nowNanos) {
        ThreadState thread = threads.get();
        boolean mayWait = thread.mayWait;
        thread.mayWait = true;
        int flows = 0;
        try {
            for (int slot = 0; slot < table.capacity(); slot++) {
                if (!table.isCurrent(slot, table.generation(slot))) continue;
                write(table, slot, EveRecord.FlowReason.SHUTDOWN, nowNanos, thread);
                flows++;
            }
        } finally {
            thread.mayWait = mayWait;
        }
        return flows;
    }

    private void write(FlowTable table, int slot, EveRecord.FlowReason reason, long nowNanos, ThreadState thread) {
        EveLog target = log;
        if (target == null) return;
        EveProducer producer = thread.producerFor(target);
        FlowKey key = table.readKey(slot, thread.key);
        int generation = key.generation();
        boolean tracked = records.tracks(slot, generation);
        int initiator = table.initiatorDirection(slot);
        int responder = initiator ^ 1;
        long lastSeen = table.lastSeenNanos(slot);
        long start = tracked ? records.startNanos(slot) : lastSeen;
        long startMicros = clock.epochMicros(start);
        long endMicros = clock.epochMicros(lastSeen);
        long nowMicros = clock.epochMicros(nowNanos);
        long flowId = FlowIds.of(slot, generation);
        EveRecord.AppProto appProto = tracked ? appProto(records.appProto(slot)) : EveRecord.AppProto.UNKNOWN;
        boolean alerted = tracked && records.alerted(slot);
        boolean initiatorSeen = records.seen(slot, generation, initiator);
        boolean responderSeen = records.seen(slot, generation, responder);
        int initiatorFlags = initiatorSeen ? records.tcpFlags(slot, initiator) : 0;
        int responderFlags = responderSeen ? records.tcpFlags(slot, responder) : 0;
        EveRecord.FlowState state =
                state(key.protocol(), table.packets(slot, responder) > 0, initiatorFlags, responderFlags);

        for (int i = 0; i < 2; i++) {
            int direction = i == 0 ? initiator : responder;
            long packets = table.packets(slot, direction);
            if (packets == 0) continue;
            EveRecord r = thread.claim(producer, target.config().ringSize());
            if (r == null) continue; // counted as lost by the producer
            boolean seen = i == 0 ? initiatorSeen : responderSeen;
            boolean aToB = direction == FlowKey.A_TO_B;
            r.timestampMicros(nowMicros).flowId(flowId);
            if (key.ipVersion() == 6) {
                r.ipv6(
                        aToB ? key.addressAHi() : key.addressBHi(),
                        aToB ? key.addressALo() : key.addressBLo(),
                        aToB ? key.addressBHi() : key.addressAHi(),
                        aToB ? key.addressBLo() : key.addressALo());
            } else {
                r.ipv4(aToB ? key.addressALo() : key.addressBLo(), aToB ? key.addressBLo() : key.addressALo());
            }
            r.ports(aToB ? key.portA() : key.portB(), aToB ? key.portB() : key.portA())
                    .proto(key.protocol())
                    .appProto(appProto)
                    .netflow(
                            packets,
                            ipBytes(table, slot, direction, packets),
                            startMicros,
                            endMicros,
                            seen ? records.minTtl(slot, direction) : 0,
                            seen ? records.maxTtl(slot, direction) : 0)
                    .flowEnd(state, reason, alerted);
            if (key.protocol() == TCP) {
                r.tcpFlags(i == 0 ? initiatorFlags : responderFlags);
            }
            producer.publish();
        }
    }

    /**
     * The direction's bytes of inner IP packets, as NFW counts them. The table counts whole GENEVE datagrams (UDP
     * payload); GWLB puts the same header (40 bytes, gwlb.md §1.3) on every packet of a flow, so its stored length
     * times the packets is what the headers added. A header too long to store (length 0) is left in.
     */
    static long ipBytes(FlowTable table, int slot, int direction, long packets) {
        return Math.max(0, table.bytes(slot, direction) - packets * table.headerLength(slot));
    }

    /** Suricata's flow state at the end of the flow, from what both directions showed. */
    static EveRecord.FlowState state(int protocol, boolean responderSeen, int initiatorFlags, int responderFlags) {
        if (protocol != TCP) {
            return responderSeen ? EveRecord.FlowState.ESTABLISHED : EveRecord.FlowState.NEW;
        }
        // Suricata's TCP_LAST_ACK, TCP_TIME_WAIT and TCP_CLOSED map to closed: both sides sent FIN, or a RST.
        boolean reset = ((initiatorFlags | responderFlags) & TcpHeader.RST) != 0;
        boolean bothFin = (initiatorFlags & responderFlags & TcpHeader.FIN) != 0;
        if (reset || bothFin) return EveRecord.FlowState.CLOSED;
        // ACK from the initiator after the responder answered: the handshake completed (or was picked up midstream).
        if (responderSeen && (initiatorFlags & TcpHeader.ACK) != 0) return EveRecord.FlowState.ESTABLISHED;
        return EveRecord.FlowState.NEW;
    }

    static EveRecord.AppProto appProto(AppProtocol protocol) {
        return switch (protocol) {
            case TLS -> EveRecord.AppProto.TLS;
            case HTTP -> EveRecord.AppProto.HTTP;
            case DNS -> EveRecord.AppProto.DNS;
            case SSH -> EveRecord.AppProto.SSH;
            case NEED_MORE, UNKNOWN -> EveRecord.AppProto.UNKNOWN;
        };
    }

    /** One calling thread's producer, scratch key and waiting policy; touched by that thread only. */
    private static final class ThreadState {
        final FlowKey key = new FlowKey();
        EveLog log;
        EveProducer producer;
        boolean mayWait;
        boolean writerStalled; // a wait timed out: drop without waiting until the ring has room again

        EveProducer producerFor(EveLog target) {
            if (log != target) {
                // Once per thread and log: the ring is allocated here, never again for this thread.
                producer = target.registerProducer(
                        "netflow-" + Thread.currentThread().getName());
                log = target;
            }
            return producer;
        }

        EveRecord claim(EveProducer p, int ringSize) {
            if (mayWait && p.backlog() >= ringSize) {
                if (writerStalled) return p.claim(EveRecord.EventType.NETFLOW); // drops and counts
                long deadline = System.nanoTime() + MAX_WAIT_NANOS;
                while (p.backlog() >= ringSize) {
                    if (System.nanoTime() - deadline >= 0) {
                        writerStalled = true;
                        return p.claim(EveRecord.EventType.NETFLOW);
                    }
                    LockSupport.parkNanos(WAIT_PARK_NANOS);
                }
            }
            writerStalled = false;
            return p.claim(EveRecord.EventType.NETFLOW);
        }
    }
}
