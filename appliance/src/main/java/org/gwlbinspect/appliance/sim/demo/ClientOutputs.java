package org.gwlbinspect.appliance.sim.demo;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link OutcomeClassifier}s of the demo's clients, from their documented exit codes: curl's (28 timeout, 7 could
 * not connect, 35/56 reset during the TLS handshake or the transfer), dig's (9: no reply) and {@code timeout}'s 124
 * around {@code openssl s_client}. A reset is recognised by the errno text the tools print for ECONNRESET and
 * ECONNREFUSED, both caused by a RST.
 */
public final class ClientOutputs {
    /** {@code curl -w} suffix parsed by {@link #curl}: status code and body bytes received. */
    public static final String CURL_WRITE_OUT = "\\ncurl: http=%{http_code} bytes=%{size_download}\\n";

    private static final Pattern CURL_SUMMARY = Pattern.compile("curl: http=(\\d{3}) bytes=(\\d+)");
    private static final int CURL_TIMEOUT = 28;
    private static final int TIMEOUT_KILLED = 124; // coreutils timeout: the command outlived its limit
    private static final int DIG_NO_REPLY = 9;

    private ClientOutputs() {}

    /**
     * curl run with {@link #CURL_WRITE_OUT}: PASS when it exits 0 with HTTP 200 and the output holds {@code
     * evidence} (a page's text, or {@code bytes=N} for a download).
     */
    public static OutcomeClassifier curl(String evidence) {
        return result -> {
            if (result.killed()) return killed(result);
            Matcher summary = CURL_SUMMARY.matcher(result.output());
            String received = summary.find() ? "HTTP " + summary.group(1) + ", " + summary.group(2) + " bytes" : "";
            if (result.exitCode() == 0) {
                if (received.startsWith("HTTP 200") && result.output().contains(evidence))
                    return new Observation(Outcome.PASS, received);
                return new Observation(Outcome.FAILED, received + " without \"" + evidence + "\"");
            }
            if (result.exitCode() == CURL_TIMEOUT)
                return new Observation(Outcome.DROP, "timed out" + (received.isEmpty() ? "" : " after " + received));
            if (isReset(result.output()))
                return new Observation(
                        Outcome.REJECT,
                        "reset after " + result.elapsed().toMillis() + " ms (curl exit " + result.exitCode() + ")");
            return failed("curl", result);
        };
    }

    /**
     * {@code timeout N openssl s_client -brief -verify_return_error}: PASS when the handshake completes, the chain
     * verifies and the peer certificate is {@code name}'s (so the server chose it by SNI).
     */
    public static OutcomeClassifier opensslClient(String name) {
        return result -> {
            if (result.killed() || result.exitCode() == TIMEOUT_KILLED)
                return new Observation(Outcome.DROP, "no handshake: timed out");
            String output = result.output();
            if (result.exitCode() == 0 && output.contains("Verification: OK")) {
                if (output.contains("Peer certificate: CN = " + name))
                    return new Observation(Outcome.PASS, "verified certificate CN = " + name);
                return new Observation(Outcome.FAILED, "handshake completed with another name's certificate");
            }
            if (isReset(output))
                return new Observation(
                        Outcome.REJECT,
                        "reset during the handshake after " + result.elapsed().toMillis() + " ms");
            return failed("openssl s_client", result);
        };
    }

    /** dig (full output): PASS on NOERROR with {@code address} in the answer; DROP when no reply came. */
    public static OutcomeClassifier dig(String address) {
        return result -> {
            if (result.killed()) return killed(result);
            if (result.exitCode() == DIG_NO_REPLY) return new Observation(Outcome.DROP, "no reply: timed out");
            if (result.exitCode() == 0 && result.output().contains("status: NOERROR")) {
                if (answers(result.output(), address)) return new Observation(Outcome.PASS, "answer " + address);
                return new Observation(Outcome.FAILED, "NOERROR without " + address + " in the answer");
            }
            return failed("dig", result);
        };
    }

    /** True when a line of the ANSWER SECTION ends with {@code address}. */
    private static boolean answers(String output, String address) {
        int section = output.indexOf(";; ANSWER SECTION:");
        if (section < 0) return false;
        for (String line : output.substring(section).split("\n")) {
            if (line.isBlank()) break;
            String[] fields = line.trim().split("\\s+");
            if (fields[fields.length - 1].equals(address)) return true;
        }
        return false;
    }

    private static boolean isReset(String output) {
        return output.contains("reset by peer")
                || output.contains("errno=104") // ECONNRESET, as openssl prints it
                || output.contains("Connection refused")
                || output.contains("errno=111"); // ECONNREFUSED: a RST answered the SYN
    }

    private static Observation killed(CommandResult result) {
        return new Observation(Outcome.DROP, "killed after " + result.elapsed().toMillis() + " ms");
    }

    private static Observation failed(String tool, CommandResult result) {
        // The last line that says something: curl's own -w summary is not the error.
        String lastLine = result.output()
                .lines()
                .filter(line -> !line.isBlank() && !CURL_SUMMARY.matcher(line).find())
                .reduce("", (a, b) -> b)
                .strip();
        if (lastLine.length() > 80) lastLine = lastLine.substring(0, 80) + "...";
        return new Observation(Outcome.FAILED, tool + " exit " + result.exitCode() + ": " + lastLine);
    }
}
