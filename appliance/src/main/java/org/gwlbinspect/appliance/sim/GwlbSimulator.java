package org.gwlbinspect.appliance.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.gwlbinspect.appliance.egress.NativeCallException;
import org.gwlbinspect.appliance.egress.RawSocketSender;

/**
 * A running GWLB simulator: the {@link Topology}'s namespaces, one capture thread per endpoint (tun → GENEVE → the
 * appliance), one reply thread (the appliance → checks → tun), one counting the datagrams sent to other ports of the
 * node than 6081 ({@link WrongPortReceiver}), and optionally the appliance it started. {@link #close()}
 * stops everything and deletes what it made; a JVM shutdown hook does the same on Ctrl-C.
 */
public final class GwlbSimulator implements AutoCloseable {
    private static final int POLL_MILLIS = 100;
    private static final int BUFFER_BYTES = 65_536;
    private static final int GENEVE_PORT = GwlbNode.GENEVE_PORT;
    private static final long EXPIRY_INTERVAL_MILLIS = 1_000;

    private final Topology topology;
    private final SimOptions options;
    private final GwlbNode node;
    private final SimStateFiles states;
    private final long startedNanos = System.nanoTime();
    private final List<TunDevice> tuns = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final InetSocketAddress applianceAddress;
    private volatile boolean running = true;
    private volatile DatagramChannel replyChannel;
    private volatile WrongPortReceiver wrongPorts;
    private SimNetwork network;
    private ApplianceProcess appliance;
    private Thread shutdownHook;
    private SimReport report;

    private GwlbSimulator(Topology topology, SimOptions options) {
        this.topology = topology;
        this.options = options;
        this.states = new SimStateFiles(options.stateDirectory());
        this.applianceAddress = options.startsAppliance()
                ? new InetSocketAddress(Topology.APPLIANCE_IPV4, GENEVE_PORT)
                : options.appliance();
        List<SimEndpoint> endpoints = new ArrayList<>();
        for (int k = 1; k <= options.endpoints(); k++) endpoints.add(SimEndpoint.withDefaultIds(k));
        this.node = new GwlbNode(
                endpoints,
                Topology.ipv4(((Inet4Address) applianceAddress.getAddress()).getHostAddress()),
                options.rotation(),
                options.idleTimeouts(),
                System::nanoTime);
    }

    /**
     * Cleans up dead runs, builds the topology, starts forwarding and (unless {@link SimOptions#appliance()} is set)
     * the appliance, and waits until it is healthy. Everything made is deleted again if this fails.
     */
    public static GwlbSimulator start(SimOptions options) throws SimulatorException {
        SimStateFiles states = new SimStateFiles(options.stateDirectory());
        for (String prefix : states.cleanupDeadRuns()) {
            System.err.println("gwlb-sim: removed leftovers of dead run " + prefix);
        }
        GwlbSimulator sim = new GwlbSimulator(Topology.random(options.endpoints()), options);
        try {
            sim.startAll();
            return sim;
        } catch (SimulatorException | RuntimeException e) {
            sim.close();
            throw e;
        }
    }

    private void startAll() throws SimulatorException {
        // The state file comes first: a concurrent run's cleanup must see this run as alive before its namespaces
        // exist.
        publishState(0);
        shutdownHook = new Thread(this::close, "gwlb-sim-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        network = SimNetwork.create(topology, options.linkMtu());
        for (int k = 1; k <= topology.endpoints(); k++) {
            TunDevice tun = NamespaceThreads.call(topology.endpointNamespace(k), () -> TunDevice.open(Topology.TUN));
            tuns.add(tun);
            network.routeIntoTun(k);
        }
        replyChannel = NamespaceThreads.call(topology.gwlbNamespace(), () -> {
            DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
            channel.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.bind(new InetSocketAddress(Topology.GWLB_NODE_IPV4, GENEVE_PORT));
            return channel;
        });
        // Opened before any GENEVE is sent, so a reply to another port than 6081 is counted from the first one on.
        wrongPorts = NamespaceThreads.call(
                topology.gwlbNamespace(), () -> WrongPortReceiver.open(Topology.ipv4(Topology.GWLB_NODE_IPV4)));
        threads.add(
                NamespaceThreads.start(topology.gwlbNamespace(), "gwlb-sim-replies", this::forwardReplies, this::fail));
        threads.add(NamespaceThreads.start(
                topology.gwlbNamespace(), "gwlb-sim-other-ports", this::countWrongPorts, this::fail));
        for (int k = 1; k <= topology.endpoints(); k++) {
            int endpoint = k;
            threads.add(NamespaceThreads.start(
                    topology.gwlbNamespace(), "gwlb-sim-capture-" + k, () -> captureEndpoint(endpoint), this::fail));
        }
        threads.add(NamespaceThreads.start(topology.gwlbNamespace(), "gwlb-sim-expiry", this::expireFlows, this::fail));
        if (options.startsAppliance()) {
            appliance = ApplianceProcess.start(topology, options.applianceJar(), options.policy(), workDirectory());
            publishState(appliance.pid());
            appliance.awaitHealthy(topology, options.healthTimeoutMillis());
        }
    }

    /**
     * A simulated rebalance (gwlb.md §3, target failover): stops the appliance this simulator started and starts a
     * fresh one with the same configuration, so the flows in progress reach an appliance that never saw their start.
     * Packets sent meanwhile are lost, as they would be on a failed target.
     *
     * @throws IllegalStateException if the simulator uses an appliance it did not start
     */
    public synchronized void restartAppliance() throws SimulatorException {
        if (appliance == null) throw new IllegalStateException("the simulator did not start the appliance");
        appliance.close();
        appliance = ApplianceProcess.start(topology, options.applianceJar(), options.policy(), workDirectory());
        publishState(appliance.pid());
        appliance.awaitHealthy(topology, options.healthTimeoutMillis());
    }

    private void publishState(long appliancePid) throws SimulatorException {
        states.write(new SimStateFiles.State(
                topology.prefix(),
                ProcessHandle.current().pid(),
                topology.endpoints(),
                applianceAddress.getAddress().getHostAddress() + ":" + applianceAddress.getPort(),
                appliancePid));
    }

    private java.nio.file.Path workDirectory() {
        return options.workDirectory().toAbsolutePath().resolve(topology.prefix());
    }

    /** Endpoint {@code k}'s capture loop: tun → GENEVE → the appliance, from the flow's outer source port. */
    private void captureEndpoint(int k) throws NativeCallException, SimulatorException {
        TunDevice tun = tuns.get(k - 1);
        int source = Topology.ipv4(Topology.GWLB_NODE_IPV4);
        int destination = Topology.ipv4(applianceAddress.getAddress().getHostAddress());
        Arena arena = Arena.ofConfined();
        MemorySegment in = arena.allocate(BUFFER_BYTES);
        MemorySegment out = arena.allocate(BUFFER_BYTES + 64);
        ByteBuf inView = Unpooled.wrappedBuffer(in.asByteBuffer());
        ByteBuf outView = Unpooled.wrappedBuffer(out.asByteBuffer());
        // Opened on this thread, which is in the GWLB node's namespace: GENEVE leaves from 10.200.0.1.
        try (RawSocketSender sender = new RawSocketSender(1, 64)) {
            while (running) {
                int n = tun.read(in, POLL_MILLIS);
                if (n == 0) continue; // timeout: re-check running
                if (n < 0) throw SimulatorException.errno("read from tun of endpoint " + k, -n);
                outView.clear();
                int port = node.capture(k, inView.setIndex(0, n), n, outView);
                if (port < 0) continue;
                sender.enqueue(
                        source, destination, port, applianceAddress.getPort(), out.address(), outView.writerIndex());
                if (sender.flush() == 1) {
                    node.sent(k);
                } else {
                    node.sendFailed();
                }
            }
        } finally {
            arena.close();
        }
    }

    /** Forgets idle flows about once a second, as GWLB does after its idle timeouts. */
    private void expireFlows() throws InterruptedException {
        while (running) {
            Thread.sleep(EXPIRY_INTERVAL_MILLIS);
            node.expireIdle();
        }
    }

    /** The reply loop: datagrams on 10.200.0.1:6081 → GWLB's checks → the endpoint's tun. */
    private void forwardReplies() throws IOException {
        Arena arena = Arena.ofConfined();
        MemorySegment buffer = arena.allocate(BUFFER_BYTES);
        ByteBuffer nio = buffer.asByteBuffer();
        ByteBuf view = Unpooled.wrappedBuffer(buffer.asByteBuffer());
        try {
            while (running) {
                nio.clear();
                InetSocketAddress from;
                try {
                    from = (InetSocketAddress) replyChannel.receive(nio);
                } catch (ClosedChannelException e) {
                    return; // close() closed the channel to stop this loop
                }
                int length = nio.position();
                int sourceAddress =
                        from.getAddress() instanceof Inet4Address v4 ? Topology.ipv4(v4.getHostAddress()) : 0;
                if (node.checkReply(sourceAddress, from.getPort(), view.setIndex(0, length), length) != null) continue;
                TunDevice tun = tuns.get(node.acceptedEndpoint() - 1);
                int errno = tun.write(buffer.asSlice(node.acceptedInnerOffset()), node.acceptedInnerLength());
                if (errno == 0) {
                    node.forwarded(node.acceptedEndpoint());
                } else {
                    node.forwardFailed();
                }
            }
        } finally {
            arena.close();
        }
    }

    /** Counts the UDP datagrams that reach the node on another port than 6081 (GWLB drops them). */
    private void countWrongPorts() throws SimulatorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BUFFER_BYTES);
            ByteBuf view = Unpooled.wrappedBuffer(buffer.asByteBuffer());
            while (running) {
                int n = wrongPorts.read(buffer, POLL_MILLIS);
                if (n == 0) continue;
                if (n < 0) throw SimulatorException.errno("read from the raw UDP socket", -n);
                if (wrongPorts.isWrongPort(view.setIndex(0, n), n)) node.wrongDestinationPort();
            }
        }
    }

    private void fail(Thread thread, Throwable t) {
        if (!running) return; // a loop ending because we are stopping is not a failure
        failure.compareAndSet(null, t);
        System.err.println("gwlb-sim: " + thread.getName() + " failed: " + t);
    }

    /** Datagrams the raw socket behind {@code wrong_destination_port} read, to any port (tests: its filter works). */
    long otherPortDatagramsRead() {
        WrongPortReceiver receiver = wrongPorts;
        return receiver == null ? 0 : receiver.datagramsRead();
    }

    public Topology topology() {
        return topology;
    }

    public GwlbNode node() {
        return node;
    }

    /** The failure of a forwarding thread, if one failed (the simulator then forwards no more on it). */
    public Throwable failure() {
        return failure.get();
    }

    /** The appliance this simulator started, or null. */
    ApplianceProcess appliance() {
        return appliance;
    }

    /** Where the started appliance's configuration, output and EVE logs are (null without one). */
    public java.nio.file.Path applianceDirectory() {
        return options.startsAppliance() ? workDirectory() : null;
    }

    public String applianceAddress() {
        return applianceAddress.getAddress().getHostAddress() + ":" + applianceAddress.getPort();
    }

    /** The report of the traffic so far (after {@link #close()}: of the whole run). */
    public synchronized SimReport report() {
        if (report != null) return report;
        return SimReport.of(topology, applianceAddress(), (System.nanoTime() - startedNanos) / 1e9, node);
    }

    /**
     * Stops the appliance it started, then forwarding, deletes every namespace and the state file, and freezes the
     * report. Safe to call more than once and from the shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (report != null) return;
        if (appliance != null) appliance.close();
        running = false;
        DatagramChannel channel = replyChannel;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                System.err.println("gwlb-sim: closing the GENEVE socket: " + e.getMessage());
            }
        }
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        report = SimReport.of(topology, applianceAddress(), (System.nanoTime() - startedNanos) / 1e9, node);
        if (wrongPorts != null) wrongPorts.close();
        for (TunDevice tun : tuns) tun.close();
        if (network != null) network.close();
        states.delete(topology.prefix());
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down
            }
        }
    }
}
