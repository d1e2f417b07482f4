package org.gwlbinspect.stateful;

import org.gwlbinspect.stream.StreamConfig;

/**
 * Bounds of the stateful stage.
 *
 * @param stream TCP reassembly bounds; a flow holds a stream state from its client SYN (or first payload) until its
 *     first application message is parsed (a TLS flow: until the server's certificate), so {@code capacityStreams}
 *     bounds connections being set up, not open ones; under a policy with stream payload rules (policy.md §3.3) a TCP
 *     flow keeps it to its end, and it bounds the open connections being inspected
 * @param parserSets flows whose first application message (or TLS server certificate) can be in progress at once;
 *     each set holds a ClientHello, an HTTP request, a DNS query and a server-hello parser (about 125 KiB: 16 KiB
 *     ClientHello, 66 KiB request header, 40 KiB server flight up to the certificate; 36 KiB more once it served
 *     an HTTP keep-alive connection). A flow that finds none is handled by the stream exception policy; an HTTP
 *     keep-alive connection holds one only while a later request (or its body) is in progress
 * @param flowNames flows whose SNI or HTTP host is kept for the EVE alerts of their later packets ({@link FlowNames},
 *     256 bytes each); a flow that finds none logs its later alerts without the name
 * @param encryptionHandling whether payload rules still inspect a TLS flow once its encrypted records start
 *     (Suricata 7's {@code encryption-handling}, {@link EncryptionHandling#DEFAULT} as in NFW)
 */
public record StatefulConfig(
        StreamConfig stream, int parserSets, int flowNames, EncryptionHandling encryptionHandling) {
    /** Names kept when none is given: enough for tests and small deployments (256 KiB). */
    public static final int DEFAULT_FLOW_NAMES = 1024;

    public StatefulConfig {
        if (parserSets <= 0 || parserSets > PolicyWord.MAX_PARSER_SETS) {
            throw new IllegalArgumentException(
                    "stateful.parserSets must be in 1.." + PolicyWord.MAX_PARSER_SETS + ", got " + parserSets);
        }
        if (flowNames <= 0) throw new IllegalArgumentException("stateful.flowNames must be positive, got " + flowNames);
        if (encryptionHandling == null) throw new IllegalArgumentException("stateful.encryptionHandling is required");
    }

    public StatefulConfig(StreamConfig stream, int parserSets, int flowNames) {
        this(stream, parserSets, flowNames, EncryptionHandling.DEFAULT);
    }

    public StatefulConfig(StreamConfig stream, int parserSets) {
        this(stream, parserSets, DEFAULT_FLOW_NAMES);
    }

    /** This configuration with another {@link EncryptionHandling}. */
    public StatefulConfig withEncryptionHandling(EncryptionHandling handling) {
        return new StatefulConfig(stream, parserSets, flowNames, handling);
    }

    /**
     * 16 Ki streams with a 32 MiB chunk pool, 1 Ki parser sets (125 MiB): enough for thousands of new connections per
     * second, each holding its state for the few round trips until its first message (and the server's certificate);
     * 64 Ki flow names (16 MiB).
     */
    public static StatefulConfig defaults() {
        StreamConfig d = StreamConfig.defaults();
        return new StatefulConfig(
                new StreamConfig(
                        16_384,
                        d.chunkSizeBytes(),
                        16_384,
                        d.depthBytes(),
                        d.maxBufferedBytes(),
                        d.maxBufferedSegments(),
                        d.windowBytes(),
                        d.historyBytes()),
                1024,
                65_536); // 16 MiB of names
    }
}
