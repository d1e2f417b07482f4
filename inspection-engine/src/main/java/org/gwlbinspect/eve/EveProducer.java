package org.gwlbinspect.eve;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * One producer thread's single-producer/single-consumer ring of preallocated {@link EveRecord}s, drained by the
 * {@link EveLog} writer thread. Obtained once per thread from {@link EveLog#registerProducer}; only that thread may
 * call {@link #claim} and {@link #publish}, so producers never contend with each other.
 *
 * <pre>{@code
 * EveRecord r = producer.claim(EveRecord.EventType.ALERT);
 * if (r != null) {             // null: ring full, the record was counted as lost
 *     r.timestampMicros(now).flowId(id).ipv4(src, dst).ports(sp, dp).proto(6) ...;
 *     producer.publish();
 * }
 * }</pre>
 *
 * Neither call blocks or allocates: a full ring drops the new record and counts it ({@link #lostRecords}).
 */
public final class EveProducer {

    private final String name;
    private final EveRecord[] slots;
    private final int mask;
    private final ProducerSide producer = new ProducerSide();
    private final ConsumerSide consumer = new ConsumerSide();

    EveProducer(String name, int ringSize) {
        if (Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two, got " + ringSize);
        }
        this.name = name;
        this.slots = new EveRecord[ringSize];
        for (int i = 0; i < ringSize; i++) {
            slots[i] = new EveRecord();
        }
        this.mask = ringSize - 1;
    }

    public String name() {
        return name;
    }

    /**
     * Returns the next free slot, reset and typed, or {@code null} when the ring is full (the record is then counted
     * as lost). Calling it again before {@link #publish} returns the same slot, reset again.
     */
    public EveRecord claim(EveRecord.EventType type) {
        ProducerSide p = producer;
        long tail = p.tail;
        if (tail - p.cachedHead > mask) {
            p.cachedHead = (long) ConsumerSide.HEAD.getAcquire(consumer);
            if (tail - p.cachedHead > mask) {
                if (type == EveRecord.EventType.ALERT) {
                    ProducerSide.LOST_ALERTS.setRelease(p, p.lostAlerts + 1);
                } else {
                    ProducerSide.LOST_NETFLOWS.setRelease(p, p.lostNetflows + 1);
                }
                p.claimed = false;
                return null;
            }
        }
        EveRecord record = slots[(int) tail & mask];
        record.reset(type);
        p.claimed = true;
        return record;
    }

    /** Hands the claimed slot to the writer thread; the caller must not touch it afterwards. */
    public void publish() {
        ProducerSide p = producer;
        if (!p.claimed) {
            throw new IllegalStateException("publish() without a successful claim()");
        }
        p.claimed = false;
        long tail = p.tail;
        int truncated = slots[(int) tail & mask].truncatedFields;
        if (truncated != 0) {
            ProducerSide.TRUNCATED.setRelease(p, p.truncatedFields + truncated);
        }
        ProducerSide.TAIL.setRelease(p, tail + 1);
    }

    /** Records this producer dropped because its ring was full; readable from any thread. */
    public long lostRecords(EveRecord.EventType type) {
        return type == EveRecord.EventType.ALERT
                ? (long) ProducerSide.LOST_ALERTS.getAcquire(producer)
                : (long) ProducerSide.LOST_NETFLOWS.getAcquire(producer);
    }

    /** Byte fields cut to their bound ({@link EveRecord#MAX_HTTP_URL}, ...) in published records. */
    public long truncatedFields() {
        return (long) ProducerSide.TRUNCATED.getAcquire(producer);
    }

    /** Records published but not yet taken by the writer; approximate when read from another thread. */
    public int backlog() {
        return (int) ((long) ProducerSide.TAIL.getAcquire(producer) - (long) ConsumerSide.HEAD.getAcquire(consumer));
    }

    /** Writer thread only: passes up to {@code limit} published records to {@code sink}, then frees their slots. */
    int drainTo(Consumer<EveRecord> sink, int limit) {
        long head = consumer.head;
        long available = (long) ProducerSide.TAIL.getAcquire(producer) - head;
        int n = (int) Math.min(available, limit);
        for (int i = 0; i < n; i++) {
            sink.accept(slots[(int) (head + i) & mask]);
        }
        if (n > 0) {
            ConsumerSide.HEAD.setRelease(consumer, head + n);
        }
        return n;
    }

    /** Fields written by the producer thread only; padded so the writer's head does not share their cache line. */
    @SuppressWarnings("unused") // padding
    private static final class ProducerSide {
        static final VarHandle TAIL;
        static final VarHandle LOST_ALERTS;
        static final VarHandle LOST_NETFLOWS;
        static final VarHandle TRUNCATED;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                TAIL = lookup.findVarHandle(ProducerSide.class, "tail", long.class);
                LOST_ALERTS = lookup.findVarHandle(ProducerSide.class, "lostAlerts", long.class);
                LOST_NETFLOWS = lookup.findVarHandle(ProducerSide.class, "lostNetflows", long.class);
                TRUNCATED = lookup.findVarHandle(ProducerSide.class, "truncatedFields", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long p01, p02, p03, p04, p05, p06, p07, p08;
        long tail;
        long cachedHead;
        long lostAlerts;
        long lostNetflows;
        long truncatedFields;
        boolean claimed;
        long p11, p12, p13, p14, p15, p16, p17, p18;
    }

    /** The writer thread's read position. */
    @SuppressWarnings("unused") // padding
    private static final class ConsumerSide {
        static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(ConsumerSide.class, "head", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long p01, p02, p03, p04, p05, p06, p07, p08;
        long head;
        long p11, p12, p13, p14, p15, p16, p17, p18;
    }
}
