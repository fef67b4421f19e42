import Synchronization
import TraceKitCore

/// The SDK: keeps one service's breakpoints in sync (SyncLoop), captures at
/// call sites on the caller's thread without touching the network
/// (CapturePath), and sends snapshots from its own thread (SenderLoop).
public final class CaptureClient: Sendable {
    public struct StartError: Error, Sendable {
        public enum Kind: Sendable {
            /// The options cannot make a client (e.g. no API key).
            case invalidOptions
            /// The system refused to start the client's threads.
            case threadsNotStarted
        }

        public var kind: Kind
        public var message: String
    }

    let options: Options
    let sanitizer: Sanitizer
    let stats = ClientStats()
    let log: RateLimitedLog
    let rateLimiter: TokenBucket?
    /// Snapshot request bodies waiting for the sender.
    let outbox: WaitQueue<OutgoingSnapshot>
    /// Sites waiting to be auto-registered (by the sender thread).
    let registrations: WaitQueue<SiteKey>

    private let createdInForkGeneration: Int
    /// Shutdown began: new calls are refused (the queue still drains).
    private let stopping = Atomic<Bool>(false)
    let breakpoints = PthreadMutex<BreakpointSet>(.empty)
    private let sites = PthreadMutex<[SiteKey: Site]>([:])
    private let overflow = Mutex<Site?>(nil)
    /// `function:label` pairs already queued for auto-registration.
    private let registeredLabels = Mutex<Set<String>>([])
    let breaker: SharedCircuitBreaker
    let backend: BackendRequests
    let killSwitch = Atomic<Bool>(false)
    /// Refresh requests to the sync thread; whether its stream is up.
    private let syncStatus = SyncStatus()
    private let threads = Mutex<[BackgroundThread]>([])
    /// How the sender and the sync thread sleep; shutdown wakes both. The
    /// sender's also rings when work arrives in an empty queue.
    private let senderWake: WakeSignal
    let syncWake = WakeSignal()
    /// Held for the whole of `shutdown`: a second caller waits for the first
    /// to finish, then finds the outcome here.
    private let shutdownOutcome = Mutex<Bool?>(nil)
    /// Telemetry for the next poll, e.g. a circuit trip.
    private let pendingEvents = TelemetryEvents()

    /// How the client's threads reach the backend (libcurl unless a test says otherwise).
    let transports: TransportFactory

    public convenience init(options: Options) throws(StartError) {
        try self.init(options: options, transports: .curl)
    }

    init(options: Options, transports: TransportFactory) throws(StartError) {
        guard !options.apiKey.isEmpty else {
            throw StartError(kind: .invalidOptions, message: "api_key is not set (tk_options_set_api_key or TRACEKIT_API_KEY)")
        }
        self.options = options
        self.transports = transports
        sanitizer = Sanitizer(options: options)
        log = RateLimitedLog(options.logHandler)
        rateLimiter = options.maxCapturesPerSecond > 0
            ? TokenBucket(ratePerSecond: max(1, Int(options.maxCapturesPerSecond.rounded(.up)))) : nil
        let senderWake = WakeSignal()
        self.senderWake = senderWake
        outbox = WaitQueue(capacity: options.maxQueue) { senderWake.wake() }
        registrations = WaitQueue(capacity: 10_000) { senderWake.wake() }
        backend = BackendRequests(options: options)
        let settings = options.circuitBreaker
        breaker = SharedCircuitBreaker(CircuitBreaker.Configuration(
            maxFailures: settings.maxFailures, windowMilliseconds: UInt64(settings.windowMs),
            cooldownMilliseconds: UInt64(settings.cooldownMs)))
        createdInForkGeneration = ForkGeneration.current
        // libcurl's one-time set-up (a swift_once, milliseconds long) here on
        // the caller's thread, not on the first of our threads to make a
        // session: a pre-fork server (Puma, gunicorn --preload) forks its
        // workers right after configuring the SDK, and a fork() during that
        // once left it "in progress" in the child for good, where every
        // client's threads then waited in it and never synced or sent.
        _ = CurlRuntime.initialized
        try startThreads()
    }

    private func startThreads() throws(StartError) {
        let sender = BackgroundThread { [self] in SenderLoop(context: senderContext).run() }
        let sync = BackgroundThread { [self] in SyncLoop(context: syncContext).run() }
        for thread in [sender, sync] {
            guard thread.start() else {
                stop()
                throw StartError(kind: .threadsNotStarted, message: "could not start the client's threads")
            }
            threads.withLock { $0.append(thread) }
        }
    }

    private var senderContext: SenderLoop.Context {
        SenderLoop.Context(
            outbox: outbox, registrations: registrations, transports: transports, backend: backend,
            breaker: breaker, stats: stats,
            log: log, wake: senderWake, maxInFlight: max(1, options.maxConcurrentDeliveries),
            gatherWindowNs: UInt64(max(0, options.senderGatherMs)) &* 1_000_000,
            reportEvent: { [self] event in
                pendingEvents.add(event)
            },
            refreshBreakpoints: { [self] in
                syncStatus.requestRefresh()
                syncWake.wake()
            })
    }

    private var syncContext: SyncLoop.Context {
        SyncLoop.Context(
            transports: transports, backend: backend, stats: stats, log: log,
            pollIntervalMs: options.pollIntervalMs, sse: options.sse, sseIdleTimeoutMs: options.sseIdleTimeoutMs,
            wake: syncWake, status: syncStatus, events: pendingEvents,
            currentBreakpoints: { [breakpoints] in breakpoints.withLock { $0 } },
            apply: { [self] set in apply(set) })
    }

    /// Whether calls on this client do anything. The one check of the stop
    /// and fork state, for the C layer, the Swift module and the capture path.
    public enum Lifecycle: Sendable, Equatable {
        case running
        /// Shutdown began: calls are refused (the queue may still drain).
        case shutDown
        /// This is a forked child: the threads serving the client do not
        /// exist here and a parent thread may have held its locks at fork(),
        /// so calls must touch nothing but this check.
        case forkedChild
    }

    /// One or two atomic loads.
    public var lifecycle: Lifecycle {
        if ForkGeneration.current != createdInForkGeneration { return .forkedChild }
        return stopping.load(ordering: .acquiring) ? .shutDown : .running
    }

    // MARK: - Sites

    /// The interned site for this location; created on first use.
    /// Callers check `lifecycle` first: a forked child must not take the
    /// locks a parent thread may have held at fork().
    public func site(label: String, file: String, line: Int, function: String) -> Site {
        let key = SiteKey(label: label, file: file, line: line, function: function)
        if let existing = sites.withLock({ $0[key] }) { return existing }
        return sites.withLock { sites in
            if let existing = sites[key] { return existing }
            // Unique labels made at run time must not grow memory for ever.
            guard sites.count < options.maxSites else {
                stats.add(.sitesOverflow)
                return overflowSite
            }
            let site = Site(key: key, client: self)
            // Read under the sites lock: a concurrent `apply` either came
            // before (this read sees it) or will see this site.
            site.update(from: breakpoints.withLock { $0 }, codeMonitoring: options.codeMonitoring)
            sites[key] = site
            return site
        }
    }

    /// Handed out beyond `options.maxSites`: never active, never registered.
    private var overflowSite: Site {
        overflow.withLock { site in
            if let site { return site }
            let made = Site(key: SiteKey(label: "", file: "", line: 0, function: ""), client: self)
            made.registrationQueued.store(true, ordering: .relaxed)
            site = made
            return made
        }
    }

    /// Installs a new breakpoint set and refreshes every site (sync thread).
    func apply(_ set: BreakpointSet) {
        breakpoints.withLock { $0 = set }
        killSwitch.store(set.killSwitch, ordering: .releasing)
        let all = sites.withLock { Array($0.values) }
        for site in all { site.update(from: set, codeMonitoring: options.codeMonitoring) }
    }

    var siteCount: Int { sites.withLock { $0.count } }

    /// True the first time this function:label asks (docs/PROTOCOL.md: once per
    /// process per function:label).
    func claimRegistration(_ key: SiteKey) -> Bool {
        registeredLabels.withLock { $0.count < 100_000 && $0.insert("\(key.function):\(key.label)").inserted }
    }

    // MARK: - Flush, stats, shutdown

    /// Waits until what is queued now has been sent or dropped.
    /// True in a forked child (nothing of this process's own to send);
    /// false on timeout or after shutdown.
    public func flush(timeoutMs: Int) -> Bool {
        switch lifecycle {
        case .forkedChild: return true
        case .shutDown: return false
        case .running: break
        }
        let deadline = MonotonicClock.nowNanoseconds() &+ UInt64(max(0, timeoutMs)) &* 1_000_000
        return outbox.waitUntilDrained(deadlineNs: deadline)
    }

    public func statsJSON() -> String {
        // In a forked child the parent's locks may be held forever: touch none.
        if lifecycle == .forkedChild { return "{}" }
        var members = stats.jsonMembers.map { "\"\($0.0)\":\($0.1)" }
        members.append("\"sse_connected\":\(syncStatus.isStreamConnected)")
        members.append("\"kill_switch\":\(killSwitch.load(ordering: .relaxed))")
        members.append("\"circuit_state\":\"\(breaker.state.name)\"")
        members.append("\"queue_depth\":\(outbox.count)")
        members.append("\"breakpoints\":\(breakpoints.withLock { $0.count })")
        members.append("\"sites\":\(siteCount)")
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Sends what is queued within capture_timeout, then stops and joins the
    /// threads. True when the queue drained in time; false when snapshots
    /// were left (dropped and counted as failed). Idempotent and safe from
    /// any thread: a call while another runs waits for it and returns true.
    /// In a forked child it only marks the client stopped.
    @discardableResult
    public func shutdown() -> Bool {
        shutdownOutcome.withLock { outcome in
            if outcome != nil { return true }
            stopping.store(true, ordering: .releasing)
            if lifecycle == .forkedChild {
                outcome = true
                return true
            }
            // Claims are refused from now on: not as suppressions (tk_site_claim
            // would count them so while a site's hint holds).
            sites.withLock { $0.values.forEach { $0.suppression.clear() } }
            let deadline = MonotonicClock.nowNanoseconds() &+ UInt64(backend.timeoutMs) &* 1_000_000
            backend.endRequests(byNs: deadline)
            let drained = outbox.waitUntilDrained(deadlineNs: deadline)
            stop()
            outcome = drained
            return drained
        }
    }

    /// Stops the threads: what is still queued is dropped and counted as
    /// failed; a request in flight ends by its own deadline.
    private func stop() {
        stopping.store(true, ordering: .releasing)
        senderWake.halt()
        syncWake.halt()
        outbox.close()
        registrations.close()
        let dropped = outbox.drain().count
        if dropped > 0 { stats.add(.failed, dropped) }
        _ = registrations.drain()
        let running = threads.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        for thread in running { thread.join() }
        // No thread can apply a newer set now: every site reads inactive
        // (tk_site_active 0), for callers that still hold site handles.
        apply(.empty)
    }

    /// CPU time the client's running threads have used, so tests can check
    /// that an idle client sleeps. Under the lock: `stop` takes a thread
    /// out of the list before joining it.
    var threadsCPUTimeNanoseconds: UInt64 {
        threads.withLock { $0.reduce(0) { $0 &+ ($1.cpuTimeNanoseconds() ?? 0) } }
    }
}
