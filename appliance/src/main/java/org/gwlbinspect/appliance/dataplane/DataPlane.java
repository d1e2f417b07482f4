package org.gwlbinspect.appliance.dataplane;

import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.DefaultSelectStrategyFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gwlbinspect.appliance.config.DataPlaneConfig;
import org.gwlbinspect.appliance.config.Ipv4Addresses;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.appliance.ingress.UdpBatchReceiver;
import org.gwlbinspect.appliance.logs.EveLogs;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.PacketInspector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops the workers: one epoll event loop per worker (Netty's), each with its own SO_REUSEPORT datagram
 * socket on the GENEVE port (the kernel spreads flows over them by outer 4-tuple; {@link UdpBatchReceiver}) and its
 * own raw socket for returns.
 */
public final class DataPlane implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(DataPlane.class);

    private final DataPlaneConfig config;
    private final FlowTable flows;
    private final FragmentTracker fragments;
    private final Supplier<PacketInspector> inspectors;
    private final MeterRegistry registry;
    private final EveLogs logs;
    private final List<Worker> workers = new ArrayList<>();
    private EventLoopGroup group;
    private BusyPollStrategies busyPoll; // null when dataPlane.busyPollMicros is 0

    public DataPlane(
            DataPlaneConfig config,
            FlowTable flows,
            FragmentTracker fragments,
            Supplier<PacketInspector> inspectors,
            MeterRegistry registry,
            EveLogs logs) {
        this.config = config;
        this.flows = flows;
        this.fragments = fragments;
        this.inspectors = inspectors;
        this.registry = registry;
        this.logs = logs;
    }

    @Override
    public void start() throws Exception {
        if (!Epoll.isAvailable())
            throw new IllegalStateException(
                    "the epoll native transport is not available: " + Epoll.unavailabilityCause());
        group = new MultiThreadIoEventLoopGroup(
                config.workers(),
                new DefaultThreadFactory("dataplane-worker", true),
                EpollIoHandler.newFactory(0, selectStrategies()));
        List<BusyPollSelectStrategy> strategies = busyPoll == null ? List.of() : busyPoll.created();
        if (busyPoll != null && strategies.size() != config.workers())
            throw new IllegalStateException("expected one busy-poll strategy per worker, got " + strategies.size()
                    + " for " + config.workers());
        String bindTo = Ipv4Addresses.format(config.bindAddress()) + ":" + config.port();
        int id = 0;
        try {
            for (EventExecutor executor : group) {
                Worker worker = new Worker(id, new RawSocketSender(config.batchSize(), config.returnTtl()));
                workers.add(worker);
                DistributionSummary batchSizes = DistributionSummary.builder("appliance.receive.batch")
                        .description("Datagrams handled per socket read (recvmmsg batches)")
                        .baseUnit("datagrams")
                        .tag("worker", Integer.toString(id))
                        .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
                        .register(registry);
                GeneveReceiveHandler handler = new GeneveReceiveHandler(
                        config,
                        worker.counters(),
                        batchSizes,
                        worker.sender(),
                        worker.rejects(),
                        new FlowResolver(flows, fragments),
                        inspectors.get(),
                        logs.flowRecords());
                // Netty builds the loops, and so asks for their strategies, in the order it iterates them.
                if (busyPoll != null) handler.reportReadsTo(strategies.get(id));
                // A slot per datagram of maxDatagramBytes: a datagram that fills one may have been cut (dropped).
                UdpBatchReceiver socket = new UdpBatchReceiver(
                        config.bindAddress(),
                        config.port(),
                        config.batchSize(),
                        config.maxDatagramBytes(),
                        config.receiveBufferBytes());
                worker.attach((IoEventLoop) executor, register((IoEventLoop) executor, socket, handler), socket);
                id++;
            }
        } catch (Exception e) {
            stop();
            throw new IllegalStateException(
                    "cannot bind the data plane on " + bindTo + " (dataPlane.bindAddress/dataPlane.port): "
                            + e.getMessage(),
                    e);
        }
        LOG.info(
                "data plane listening on {} with {} workers, batch {}, busy poll {} us, allowed sources {}",
                bindTo,
                workers.size(),
                config.batchSize(),
                config.busyPollMicros(),
                config.allowedSources());
    }

    /**
     * Registers the worker's socket with its event loop for reading (closing the socket if that fails) and returns the
     * registration.
     */
    private static IoRegistration register(IoEventLoop loop, UdpBatchReceiver socket, GeneveReceiveHandler handler)
            throws Exception {
        try {
            IoRegistration registration = loop.register(new GeneveSocketHandle(socket, handler))
                    .sync()
                    .getNow();
            // Level-triggered (no EPOLLET): a read cut short by GeneveSocketHandle's budget is reported again.
            loop.submit(() -> registration.submit(EpollIoOps.EPOLLIN)).sync();
            return registration;
        } catch (Exception | Error e) {
            // Not registered, or registered without EPOLLIN: the loop never reads the socket, so it closes here.
            socket.close();
            throw e;
        }
    }

    /**
     * Netty's default (sleep in epoll_wait as soon as nothing is ready) or, with {@code dataPlane.busyPollMicros}, a
     * short poll before sleeping (see {@link BusyPollSelectStrategy}; docs/performance.md, "Sixth round (busy poll)").
     */
    private SelectStrategyFactory selectStrategies() {
        if (config.busyPollMicros() == 0) return DefaultSelectStrategyFactory.INSTANCE;
        BusyPollStrategies strategies = new BusyPollStrategies(TimeUnit.MICROSECONDS.toNanos(config.busyPollMicros()));
        busyPoll = strategies;
        FunctionCounter.builder("appliance.busy_poll.polled_batches", strategies, BusyPollStrategies::polledBatches)
                .description("Batches of socket events a worker found by polling instead of sleeping")
                .register(registry);
        FunctionCounter.builder("appliance.busy_poll.sleeps", strategies, BusyPollStrategies::sleeps)
                .description(
                        "Times a worker went to sleep in epoll_wait (after a window, or at once while polling is off)")
                .register(registry);
        return strategies;
    }

    @Override
    public void stop() throws Exception {
        for (Worker worker : workers) worker.closeSocket().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boolean ended = group == null
                || group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (Worker worker : workers) {
            if (ended) {
                // The loops have ended: nothing reads the sockets' or senders' memory any more.
                worker.closeSocketAfterLoopEnded();
                worker.rejects().close();
                worker.sender().close();
            } else {
                LOG.warn(
                        "worker {} did not stop within 5 s: its sockets stay open until the process exits",
                        worker.id());
            }
        }
        LOG.info("data plane stopped");
    }

    public List<Worker> workers() {
        return List.copyOf(workers);
    }

    /** Packets dropped for {@code reason}, summed over the workers. */
    public long droppedPackets(DropReason reason) {
        long sum = 0;
        for (Worker worker : workers) sum += worker.counters().droppedPackets(reason);
        return sum;
    }

    public DataPlaneConfig config() {
        return config;
    }

    /**
     * The EVE logs: started before this data plane (so {@code logs().log()} can register one alert producer per
     * worker in {@link #start}; null when {@code logs.enabled} is false) and closed after it stops.
     */
    public EveLogs logs() {
        return logs;
    }
}
