package org.gwlbinspect.detect;

import java.util.Set;

/** A non-payload keyword that a packet or its flow must satisfy (policy.md §3.4), one record per keyword. */
public sealed interface Condition {

    /** {@code dsize}: payload size of the packet. */
    record Dsize(UintMatch size) implements Condition {}

    /** {@code ttl}: IPv4 TTL / IPv6 hop limit. */
    record Ttl(UintMatch ttl) implements Condition {}

    /** {@code ip_proto}: IP protocol number ({@code EQUAL}, {@code NOT_EQUAL}, {@code LESS}, {@code GREATER}). */
    record IpProto(UintMatch protocol) implements Condition {}

    /**
     * {@code tcp.flags}/{@code flags}: {@code flags} must be set as the modifier says, ignoring the bits in
     * {@code ignored}. Bits use the TCP header layout (FIN 0x01 ... CWR 0x80).
     */
    record TcpFlags(Modifier modifier, int flags, int ignored) implements Condition {
        /** Exact (no modifier), {@code +} (these and maybe others), {@code *} (any of these), {@code !} (none). */
        public enum Modifier {
            EXACT,
            ALL_AND_OTHERS,
            ANY_OF,
            NOT
        }
    }

    /** {@code app-layer-protocol:[!]name}: the protocol detected on the flow ({@code failed} when detection failed). */
    record AppLayerProtocol(boolean negated, String protocol) implements Condition {}

    /** {@code ssl_state}: any of {@code states} seen, none of {@code negatedStates}. */
    record SslState(Set<State> states, Set<State> negatedStates) implements Condition {
        public enum State {
            CLIENT_HELLO,
            SERVER_HELLO,
            CLIENT_KEYX,
            SERVER_KEYX,
            UNKNOWN
        }

        public SslState {
            states = Set.copyOf(states);
            negatedStates = Set.copyOf(negatedStates);
        }
    }

    /** {@code ssl_version}: the record version is one of {@code versions} and none of {@code negatedVersions}. */
    record SslVersion(Set<Version> versions, Set<Version> negatedVersions) implements Condition {
        public enum Version {
            SSLV2,
            SSLV3,
            TLS1_0,
            TLS1_1,
            TLS1_2,
            TLS1_3
        }

        public SslVersion {
            versions = Set.copyOf(versions);
            negatedVersions = Set.copyOf(negatedVersions);
        }
    }

    /** {@code tls.version}: the TLS version as its 16-bit wire value (0x0303 = TLS 1.2). */
    record TlsVersion(int wireVersion) implements Condition {}

    /**
     * {@code resolved.domain:"name"} / {@code ".name"} (an extension, docs/destination-binding.md): the flow's server
     * address was given to its client, in a DNS answer the appliance saw, for this name (or with {@code suffix} for it
     * or a name under it).
     *
     * @param domain lowercased, without the leading dot of the suffix form
     */
    record ResolvedDomain(String domain, boolean suffix) implements Condition {}

    /**
     * {@code destination_binding:off|alert|enforce} (an extension): on a pass rule matching {@code tls.sni} or {@code
     * http.host}, the destination binding mode for the flows it passes, instead of the appliance's global mode. Matches
     * every packet.
     */
    record DestinationBinding(DestinationBindingMode mode) implements Condition {}
}
