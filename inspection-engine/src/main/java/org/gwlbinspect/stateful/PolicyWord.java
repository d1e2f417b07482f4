package org.gwlbinspect.stateful;

import org.gwlbinspect.detect.engine.Verdict;
import org.gwlbinspect.flow.FlowTable;

/**
 * The stateful engine's state of one flow, packed in the flow table's policy word (0 when the flow is created):
 *
 * <pre>
 * bits  0-6   ConnectionState (established, midstream, ...)
 * bit   7     PAYLOAD_OFF: the TLS flow's encrypted part started (EncryptionHandling.DEFAULT): payload rules no
 *             longer inspect it and it holds no stream state
 * bits  8-9   flow verdict (detect.engine.Verdict ordinal; NONE until a flow-scoped rule or the exception policy decides)
 * bits 10-12  AppLayer code
 * bit  13     APP_DONE: the client's first message was parsed or inspection of it ended; no more client reassembly
 * bit  14     SERVER_PENDING: a TLS flow awaits the server's certificate; its server→client stream is reassembled
 * bit  15     HTTP_NEXT: an HTTP keep-alive flow whose later requests are parsed (its client stream is reassembled
 *             while a request is in progress, from the sequence number StatefulFlows keeps between requests)
 * bits 16-31  index + 1 of the flow's app-layer parser set, 0 for none
 * bits 32-47  low 16 bits of the policy generation the flow's flowbits belong to
 * bits 48-63  the TLS version the server negotiated (0x0303 = TLS 1.2), 0 until its ServerHello was parsed
 * </pre>
 *
 * <p>Two workers may update one flow's word at once (its two directions arrive on two sockets), so every change is a
 * compare-and-set of the whole word, retried a bounded number of times; each retry re-applies the change to the word
 * the other worker wrote, so neither update is lost.
 */
final class PolicyWord {
    static final long CONNECTION_MASK = 0x7FL;
    static final long PAYLOAD_OFF = 1L << 7;
    private static final int VERDICT_SHIFT = 8;
    private static final long VERDICT_MASK = 3L << VERDICT_SHIFT;
    private static final int APP_SHIFT = 10;
    private static final long APP_MASK = 7L << APP_SHIFT;
    static final long APP_DONE = 1L << 13;
    static final long SERVER_PENDING = 1L << 14;
    static final long HTTP_NEXT = 1L << 15;
    private static final int PARSERS_SHIFT = 16;
    private static final long PARSERS_MASK = 0xFFFFL << PARSERS_SHIFT;
    private static final int GENERATION_SHIFT = 32;
    private static final long GENERATION_MASK = 0xFFFFL << GENERATION_SHIFT;
    private static final int TLS_VERSION_SHIFT = 48;
    private static final long TLS_VERSION_MASK = 0xFFFFL << TLS_VERSION_SHIFT;

    /** Most parser sets addressable in the word. */
    static final int MAX_PARSER_SETS = 0xFFFF - 1;

    /** CAS attempts: only the flow's other direction competes, so a second attempt practically always wins. */
    private static final int MAX_ATTEMPTS = 16;

    private PolicyWord() {}

    static long connection(long word) {
        return word & CONNECTION_MASK;
    }

    static Verdict verdict(long word) {
        return VERDICTS[(int) ((word & VERDICT_MASK) >>> VERDICT_SHIFT)];
    }

    static long verdictWord(long word) {
        return (word & VERDICT_MASK) >>> VERDICT_SHIFT;
    }

    static AppLayer app(long word) {
        return AppLayer.ofCode((int) ((word & APP_MASK) >>> APP_SHIFT));
    }

    /** The flow's parser set index, or -1 for none. */
    static int parsers(long word) {
        return (int) ((word & PARSERS_MASK) >>> PARSERS_SHIFT) - 1;
    }

    static int generation(long word) {
        return (int) ((word & GENERATION_MASK) >>> GENERATION_SHIFT);
    }

    /** The TLS version the server negotiated, 0 while unknown. */
    static int tlsVersion(long word) {
        return (int) ((word & TLS_VERSION_MASK) >>> TLS_VERSION_SHIFT);
    }

    static long withTlsVersion(long word, int version) {
        return (word & ~TLS_VERSION_MASK) | ((long) (version & 0xFFFF) << TLS_VERSION_SHIFT);
    }

    static long withVerdict(long word, Verdict verdict) {
        return (word & ~VERDICT_MASK) | ((long) verdict.ordinal() << VERDICT_SHIFT);
    }

    static long withApp(long word, AppLayer app) {
        return (word & ~APP_MASK) | ((long) app.ordinal() << APP_SHIFT);
    }

    static long withParsers(long word, int index) {
        return (word & ~PARSERS_MASK) | ((long) (index + 1) << PARSERS_SHIFT);
    }

    static long withGeneration(long word, long generation) {
        return (word & ~GENERATION_MASK) | ((generation & 0xFFFF) << GENERATION_SHIFT);
    }

    static long withConnection(long word, long connection) {
        return (word & ~CONNECTION_MASK) | (connection & CONNECTION_MASK);
    }

    /** Sets the bits of {@code mask} to those of {@code value}, keeping the rest as the table has them now. */
    static long update(FlowTable table, int slot, long mask, long value) {
        long current = table.policyState(slot);
        for (int i = 0; i < MAX_ATTEMPTS; i++) {
            long next = (current & ~mask) | (value & mask);
            if (next == current || table.compareAndSetPolicyState(slot, current, next)) return next;
            current = table.policyState(slot);
        }
        // Lost every race (a pathological burst on both directions): write ours; the other side rewrites on its next
        // packet, and every field here is either monotonic or re-derived per packet.
        long next = (current & ~mask) | (value & mask);
        table.setPolicyState(slot, next);
        return next;
    }

    static final long VERDICT_FIELD = VERDICT_MASK;
    static final long APP_FIELD = APP_MASK;
    static final long PARSERS_FIELD = PARSERS_MASK;
    static final long GENERATION_FIELD = GENERATION_MASK;
    static final long TLS_VERSION_FIELD = TLS_VERSION_MASK;

    private static final Verdict[] VERDICTS = Verdict.values();
}
