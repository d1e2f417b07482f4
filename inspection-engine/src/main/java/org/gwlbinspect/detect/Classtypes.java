package org.gwlbinspect.detect;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Suricata's default {@code classification.config}: classtype name to description ({@code alert.category}) and
 * priority ({@code alert.severity}; policy.md §4: severity 3 when a rule has no classtype).
 */
public final class Classtypes {
    /** Severity of an alert whose rule has neither classtype nor {@code priority}. */
    public static final int DEFAULT_SEVERITY = 3;

    private static final Map<String, Classtype> DEFAULTS = new LinkedHashMap<>();

    static {
        add("not-suspicious", "Not Suspicious Traffic", 3);
        add("unknown", "Unknown Traffic", 3);
        add("bad-unknown", "Potentially Bad Traffic", 2);
        add("attempted-recon", "Attempted Information Leak", 2);
        add("successful-recon-limited", "Information Leak", 2);
        add("successful-recon-largescale", "Large Scale Information Source Leak", 2);
        add("attempted-dos", "Attempted Denial of Service", 2);
        add("successful-dos", "Denial of Service", 2);
        add("attempted-user", "Attempted User Privilege Gain", 1);
        add("unsuccessful-user", "Unsuccessful User Privilege Gain", 1);
        add("successful-user", "Successful User Privilege Gain", 1);
        add("attempted-admin", "Attempted Administrator Privilege Gain", 1);
        add("successful-admin", "Successful Administrator Privilege Gain", 1);
        add("rpc-portmap-decode", "Decode of an RPC Query", 2);
        add("shellcode-detect", "Executable code was detected", 1);
        add("string-detect", "A suspicious string was detected", 3);
        add("suspicious-filename-detect", "A suspicious filename was detected", 2);
        add("suspicious-login", "An attempted login using a suspicious username was detected", 2);
        add("system-call-detect", "A system call was detected", 2);
        add("tcp-connection", "A TCP connection was detected", 4);
        add("trojan-activity", "A Network Trojan was detected", 1);
        add("unusual-client-port-connection", "A client was using an unusual port", 2);
        add("network-scan", "Detection of a Network Scan", 3);
        add("denial-of-service", "Detection of a Denial of Service Attack", 2);
        add("non-standard-protocol", "Detection of a non-standard protocol or event", 2);
        add("protocol-command-decode", "Generic Protocol Command Decode", 3);
        add("web-application-activity", "access to a potentially vulnerable web application", 2);
        add("web-application-attack", "Web Application Attack", 1);
        add("misc-activity", "Misc activity", 3);
        add("misc-attack", "Misc Attack", 2);
        add("icmp-event", "Generic ICMP event", 3);
        add("inappropriate-content", "Inappropriate Content was Detected", 1);
        add("policy-violation", "Potential Corporate Privacy Violation", 1);
        add("default-login-attempt", "Attempt to login by a default username and password", 2);
        add("targeted-activity", "Targeted Malicious Activity was Detected", 1);
        add("exploit-kit", "Exploit Kit Activity Detected", 1);
        add("external-ip-check", "Device Retrieving External IP Address Detected", 2);
        add("domain-c2", "Domain Observed Used for C2 Detected", 1);
        add("pup-activity", "Possibly Unwanted Program Detected", 2);
        add("credential-theft", "Successful Credential Theft Detected", 1);
        add("social-engineering", "Possible Social Engineering Attempted", 2);
        add("coin-mining", "Crypto Currency Mining Activity Detected", 2);
        add("command-and-control", "Malware Command and Control Activity Detected", 1);
    }

    private Classtypes() {}

    private static void add(String name, String description, int priority) {
        DEFAULTS.put(name, new Classtype(name, description, priority));
    }

    /** The default classtype named {@code name} (exact, as Suricata compares). */
    public static Optional<Classtype> find(String name) {
        return Optional.ofNullable(DEFAULTS.get(name));
    }

    /** All default classtypes in file order. */
    public static Map<String, Classtype> defaults() {
        return Map.copyOf(DEFAULTS);
    }
}
