package org.gwlbinspect.stateful;

import org.gwlbinspect.detect.RuleProtocol;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.l7.AppProtocol;

/**
 * What the engine knows of a flow's application protocol, as kept in three bits of the {@link PolicyWord}: not yet
 * known, one of the detected protocols, none of them, or failed (a malformed first message, or app-layer inspection
 * given up by the stream exception policy {@code CONTINUE}: then app-layer rules can no longer match, policy.md §2.8).
 */
public enum AppLayer {
    NOT_YET(null, EveRecord.AppProto.UNKNOWN, AppProtocol.UNKNOWN),
    TLS(RuleProtocol.TLS, EveRecord.AppProto.TLS, AppProtocol.TLS),
    HTTP(RuleProtocol.HTTP, EveRecord.AppProto.HTTP, AppProtocol.HTTP),
    DNS(RuleProtocol.DNS, EveRecord.AppProto.DNS, AppProtocol.DNS),
    SSH(RuleProtocol.SSH, EveRecord.AppProto.SSH, AppProtocol.SSH),
    UNKNOWN(null, EveRecord.AppProto.UNKNOWN, AppProtocol.UNKNOWN),
    FAILED(null, EveRecord.AppProto.FAILED, AppProtocol.UNKNOWN);

    private static final AppLayer[] VALUES = values();

    private final RuleProtocol ruleProtocol;
    private final EveRecord.AppProto eve;
    private final AppProtocol protocol;

    AppLayer(RuleProtocol ruleProtocol, EveRecord.AppProto eve, AppProtocol protocol) {
        this.ruleProtocol = ruleProtocol;
        this.eve = eve;
        this.protocol = protocol;
    }

    /** The l7 protocol for the netflow record ({@code failed} is not one: unknown). */
    AppProtocol protocol() {
        return protocol;
    }

    /** The protocol app-layer rules match on, null when none applies. */
    public RuleProtocol ruleProtocol() {
        return ruleProtocol;
    }

    /** The EVE {@code app_proto} value. */
    public EveRecord.AppProto eve() {
        return eve;
    }

    static AppLayer ofCode(int code) {
        return VALUES[code];
    }
}
