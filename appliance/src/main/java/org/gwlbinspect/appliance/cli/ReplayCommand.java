package org.gwlbinspect.appliance.cli;

import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.gwlbinspect.appliance.replay.CaptureException;
import org.gwlbinspect.appliance.replay.Replay;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.appliance.replay.ReplayPipeline;
import org.gwlbinspect.appliance.replay.ReplaySummary;
import org.gwlbinspect.appliance.replay.SyntheticFlows;
import org.gwlbinspect.appliance.replay.TargetReplay;
import org.gwlbinspect.appliance.replay.TargetSummary;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.PolicyProblem;

/**
 * {@code java -jar appliance.jar replay CAPTURE}: feeds a pcap or pcapng capture through the appliance's inspection
 * pipeline in this process (as GWLB would have sent each packet, one endpoint), deterministically, and prints a summary;
 * or, with {@code --target}, sends it as GENEVE to a running appliance at {@code --rate} and counts what comes back.
 */
public final class ReplayCommand extends Command {
    private final PrintStream out;
    private final PrintStream err;

    public ReplayCommand() {
        this(System.out, System.err);
    }

    ReplayCommand(PrintStream out, PrintStream err) {
        super(
                "replay",
                "Replay a pcap/pcapng capture through the inspection pipeline (verdicts, EVE logs, allowed packets), "
                        + "or send it as GENEVE to a running appliance (--target)");
        this.out = out;
        this.err = err;
    }

    @Override
    public void configure(Subparser subparser) {
        subparser
                .addArgument("capture")
                .nargs("?")
                .help("the pcap or pcapng file (optional with --target and --synthetic-flows)");
        subparser.addArgument("--policy").metavar("FILE").help("the policy (NFW bundle JSON, *.rules or domain list)");
        subparser
                .addArgument("--home-net")
                .metavar("CIDR")
                .nargs("+")
                .setDefault(PolicyLoadOptions.DEFAULT_HOME_NET)
                .help("HOME_NET when the policy does not set it (default: RFC 1918, RFC 6598 and ULA ranges)");
        subparser
                .addArgument("--logs")
                .metavar("DIR")
                .help("write alert.json, flow.json (EVE) and verdicts.json there, replacing them");
        subparser
                .addArgument("--verdicts")
                .metavar("FILE")
                .help("write the verdict of each packet (JSON lines) to FILE, - for standard output");
        subparser.addArgument("--write-allowed").metavar("PCAP").help("write the packets that passed to a pcap");
        subparser
                .addArgument("--endpoint-id")
                .metavar("ID")
                .help("the GWLB endpoint ID of the packets: vpce-<17 hex digits>, 0x<hex> or a number (default "
                        + "vpce-01234567890abcdef; with --target a random one per run, +1 per loop, so that each "
                        + "loop's flows are new to the appliance)");
        subparser
                .addArgument("--attachment-id")
                .metavar("ID")
                .setDefault("0")
                .help("the attachment ID of the packets (0x<hex> or a number)");
        subparser
                .addArgument("--flows")
                .metavar("N")
                .type(Integer.class)
                .setDefault(1 << 16)
                .help("flow table capacity (default 65536)");
        subparser
                .addArgument("--streams")
                .metavar("N")
                .type(Integer.class)
                .setDefault(0)
                .help("TCP flows whose reassembly state is kept at once (default: as many as --flows, up to "
                        + ReplayOptions.DEFAULT_MAX_STREAMS + "; about 4 KiB each; the appliance keeps "
                        + ReplayPipeline.APPLIANCE_STREAMS + ", give that to replay its bound)");
        subparser
                .addArgument("--tcp-idle-timeout")
                .metavar("SECONDS")
                .type(Integer.class)
                .setDefault(350)
                .help("TCP flow idle timeout in capture time (default 350, GWLB's)");
        subparser
                .addArgument("--other-idle-timeout")
                .metavar("SECONDS")
                .type(Integer.class)
                .setDefault(120)
                .help("idle timeout of other flows (default 120)");
        subparser
                .addArgument("--max-datagram-bytes")
                .metavar("N")
                .type(Integer.class)
                .setDefault(ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES)
                .help("drop larger GENEVE datagrams, as dataPlane.maxDatagramBytes does (default 9216)");
        subparser.addArgument("--firewall-name").setDefault("gwlb-inspect").help("EVE firewall_name");
        subparser.addArgument("--availability-zone").setDefault("replay").help("EVE availability_zone");
        subparser
                .addArgument("--target")
                .metavar("HOST:PORT")
                .help("send the packets as GENEVE to the appliance there instead (root or CAP_NET_RAW)");
        subparser
                .addArgument("--rate")
                .metavar("PPS")
                .type(Long.class)
                .setDefault(1000L)
                .help("with --target: packets per second, 0 = as fast as possible (default 1000)");
        subparser
                .addArgument("--source")
                .metavar("ADDRESS")
                .help("with --target: the IPv4 address to send from and receive replies on (port 6081); default: "
                        + "the route's source address, 127.0.0.2 towards loopback");
        subparser
                .addArgument("--loops")
                .metavar("N")
                .type(Integer.class)
                .setDefault(1)
                .help("with --target: send the capture N times");
        subparser
                .addArgument("--wait")
                .metavar("SECONDS")
                .type(Double.class)
                .setDefault(2.0)
                .help("with --target: how long to wait for replies after the last packet (default 2)");
        subparser
                .addArgument("--synthetic-flows")
                .metavar("N")
                .type(Integer.class)
                .setDefault(0)
                .help("with --target: also send N generated TLS flows per loop (SYN, SYN-ACK, ACK, ClientHello, "
                        + "ServerHello and 6 data packets each; 256 set up at a time)");
        subparser
                .addArgument("--synthetic-payload")
                .metavar("BYTES")
                .type(Integer.class)
                .setDefault(TargetReplay.DEFAULT_PAYLOAD_BYTES)
                .help("with --synthetic-flows: TCP payload of their data packets (60-1460, default "
                        + TargetReplay.DEFAULT_PAYLOAD_BYTES + ")");
        subparser
                .addArgument("--metrics")
                .metavar("URL")
                .help("with --target: the appliance's Prometheus endpoint (e.g. http://127.0.0.1:8081/metrics), read "
                        + "before and after for its CPU time per packet");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        if (run(namespace) != 0) throw new ReplayFailed();
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        // The problem is already printed; anything else is unexpected and gets its stack trace.
        if (!(e instanceof ReplayFailed)) super.onError(cli, namespace, e);
    }

    /** Returns 0 when the replay ran, 1 otherwise (the reason printed to stderr). */
    int run(Namespace ns) {
        ReplayOptions options;
        try {
            options = options(ns);
        } catch (IllegalArgumentException e) {
            err.println("replay: " + e.getMessage());
            return 1;
        }
        CompiledPolicy policy = null;
        String policyFile = ns.getString("policy");
        try {
            if (policyFile != null) {
                policy = new PolicyCompiler(new PolicyLoadOptions(ns.getList("home_net"), Map.of()))
                        .compile(Path.of(policyFile));
            }
            options = options.withPolicy(policy);
            if (ns.getString("target") != null) return sendToTarget(ns, options);
            if (options.capture() == null) {
                err.println("replay: give a capture file (only --target can do without one, with --synthetic-flows)");
                return 1;
            }
            ReplaySummary summary = Replay.run(options, out);
            out.flush();
            summary.print(out, policy == null ? "no policy" : policyFile);
            return 0;
        } catch (PolicyException e) {
            for (PolicyProblem problem : e.problems()) err.println(problem);
            err.println(e.problems().size() + " problem(s); the policy was not accepted");
            return 1;
        } catch (CaptureException e) {
            err.println("replay: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("replay: " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            // The flow table and the stream states are allocated up front, sized by --flows and --streams (Netty's
            // OutOfDirectMemoryError for the reassembly buffers is one too): a sizing problem, not a crash.
            err.println(
                    "replay: not enough memory for --flows " + options.flows().capacity() + " and --streams "
                            + options.streamCapacity()
                            + " (about 4 KiB per stream state and 215 bytes per flow): lower them or give the JVM more heap (-Xmx) and direct memory"
                            + " (-XX:MaxDirectMemorySize); " + e.getMessage());
            return 1;
        } finally {
            if (policy != null) policy.close();
        }
    }

    private int sendToTarget(Namespace ns, ReplayOptions options) throws CaptureException, IOException {
        if (options.logsDir() != null || options.verdicts() != null || options.writeAllowed() != null) {
            err.println("replay: --logs, --verdicts and --write-allowed are for the in-process replay, not --target "
                    + "(the appliance writes its own logs)");
            return 1;
        }
        InetSocketAddress target = hostAndPort(ns.getString("target"));
        Inet4Address source = sourceAddress(ns.getString("source"), target);
        long rate = ns.getLong("rate");
        int loops = ns.getInt("loops");
        double waitSeconds = ns.getDouble("wait");
        int synthetic = ns.getInt("synthetic_flows");
        int payload = ns.getInt("synthetic_payload");
        if (rate < 0 || loops < 1 || waitSeconds < 0 || synthetic < 0)
            throw new IOException("--rate must be >= 0, --loops >= 1, --wait >= 0 and --synthetic-flows >= 0");
        if (options.capture() == null && synthetic == 0) {
            err.println("replay: give a capture file, --synthetic-flows N, or both");
            return 1;
        }
        if (synthetic > 0 && (payload < SyntheticFlows.MIN_PAYLOAD_BYTES || payload > SyntheticFlows.MAX_PAYLOAD_BYTES))
            throw new IOException("--synthetic-payload must be in [" + SyntheticFlows.MIN_PAYLOAD_BYTES + ", "
                    + SyntheticFlows.MAX_PAYLOAD_BYTES + "]");
        URI metrics = null;
        if (ns.getString("metrics") != null) {
            try {
                metrics = URI.create(ns.getString("metrics"));
            } catch (IllegalArgumentException e) {
                throw new IOException("--metrics " + ns.getString("metrics") + ": not a URL", e);
            }
            if (metrics.getScheme() == null || !metrics.getScheme().startsWith("http"))
                throw new IOException("--metrics " + metrics + ": expected an http:// URL");
        }
        TargetSummary summary = TargetReplay.run(
                new TargetReplay.Options(
                        options,
                        target,
                        source,
                        rate,
                        loops,
                        Duration.ofNanos((long) (waitSeconds * 1e9)),
                        synthetic,
                        payload,
                        metrics),
                err,
                System.console() != null);
        String what = options.capture() == null ? "" : options.capture().toString();
        if (synthetic > 0) what += (what.isEmpty() ? "" : " and ") + synthetic + " synthetic flows";
        summary.print(
                out,
                what,
                target.getAddress().getHostAddress() + ":" + target.getPort() + " from " + source.getHostAddress());
        return 0;
    }

    static ReplayOptions options(Namespace ns) {
        FlowTableConfig defaults = FlowTableConfig.defaults();
        FlowTableConfig flows = new FlowTableConfig(
                ns.getInt("flows"),
                Duration.ofSeconds(ns.getInt("tcp_idle_timeout")),
                Duration.ofSeconds(ns.getInt("other_idle_timeout")),
                defaults.fragmentTimeout());
        String logs = ns.getString("logs");
        String allowed = ns.getString("write_allowed");
        String capture = ns.getString("capture");
        return new ReplayOptions(
                capture == null ? null : Path.of(capture),
                null,
                flows,
                logs == null ? null : Path.of(logs),
                ns.getString("verdicts"),
                allowed == null ? null : Path.of(allowed),
                endpointId(ns),
                number("--attachment-id", ns.getString("attachment_id")),
                ns.getInt("max_datagram_bytes"),
                ns.getString("firewall_name"),
                ns.getString("availability_zone"),
                ns.getInt("streams"));
    }

    private static long endpointId(Namespace ns) {
        String given = ns.getString("endpoint_id");
        if (given != null) return endpointId(given);
        if (ns.getString("target") == null) return ReplayOptions.DEFAULT_ENDPOINT_ID;
        // A running appliance keeps flows for minutes: a new endpoint per run keeps the last run's flows out of this
        // one.
        return new SecureRandom().nextLong() & 0x0FFF_FFFF_FFFF_FF00L;
    }

    /** {@code vpce-0123456789abcdef0} (gwlb.md §1.3: the endpoint ID option is the VPC endpoint ID's number). */
    static long endpointId(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("vpce-")) {
            String hex = t.substring("vpce-".length());
            if (hex.isEmpty() || hex.length() > 17 || (hex.length() == 17 && hex.charAt(0) != '0'))
                throw new IllegalArgumentException("--endpoint-id " + text + ": expected vpce-<17 hex digits>");
            return parse("--endpoint-id", text, hex, 16);
        }
        return number("--endpoint-id", text);
    }

    private static long number(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        return t.startsWith("0x") ? parse(option, text, t.substring(2), 16) : parse(option, text, t, 10);
    }

    private static long parse(String option, String text, String digits, int radix) {
        try {
            return Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + text + ": not a number", e);
        }
    }

    private static InetSocketAddress hostAndPort(String text) throws IOException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) throw new IOException("--target " + text + ": expected HOST:PORT");
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IOException("--target " + text + ": bad port", e);
        }
        if (port < 1 || port > 65535) throw new IOException("--target " + text + ": bad port");
        InetAddress host;
        try {
            host = InetAddress.getByName(text.substring(0, colon));
        } catch (UnknownHostException e) {
            throw new IOException("--target " + text + ": unknown host", e);
        }
        if (!(host instanceof Inet4Address)) {
            throw new IOException("--target " + text + ": GWLB sends over IPv4 only (gwlb.md §0 item 1)");
        }
        return new InetSocketAddress(host, port);
    }

    /** The given address, or the one the kernel would send from to the target (127.0.0.2 towards loopback). */
    private static Inet4Address sourceAddress(String text, InetSocketAddress target) throws IOException {
        if (text != null) {
            InetAddress address = InetAddress.getByName(text);
            if (!(address instanceof Inet4Address v4)) throw new IOException("--source " + text + ": not IPv4");
            return v4;
        }
        if (target.getAddress().isLoopbackAddress()) {
            // The appliance owns the target address's port 6081 (or could): play GWLB from another loopback address.
            byte[] a = target.getAddress().getAddress();
            return (Inet4Address) InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (a[3] == 2 ? 3 : 2)});
        }
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(target);
            if (probe.getLocalAddress() instanceof Inet4Address v4 && !v4.isAnyLocalAddress()) return v4;
        }
        throw new IOException("--target " + target + ": no local IPv4 address routes there; give --source");
    }

    /** Makes the CLI exit non-zero after the problem was printed (Dropwizard prints only the message). */
    static final class ReplayFailed extends Exception {
        private static final long serialVersionUID = 1L;

        ReplayFailed() {
            super("replay failed", null, false, false);
        }
    }
}
