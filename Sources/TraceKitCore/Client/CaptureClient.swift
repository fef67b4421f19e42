import Synchronization

/// The SDK: keeps one service's breakpoints in sync (SyncLoop), captures at
/// call sites on the caller's thread without touching the network
/// (CapturePath), and sends snapshots from its own thread (SenderLoop).
public final class CaptureClient: Sendable {
    public struct StartError: Error, Sendable {
        public var message: String
    }

    let options: Options
    let sanitizer: Sanitizer
    let stats = ClientStats()
    let log: RateLimitedLog
    let rateLimiter: TokenBucket?
    /// Snapshot request bodies waiting for the sender.
    let outbox: WaitQueue<OutgoingSnapshot>
    /// Sites waiting to be auto-registered by the sync thread.
    let registrations = WaitQueue<SiteKey>(capacity: 10_000)

    private let createdInForkGeneration: Int
    /// Shutdown began: new calls are refused (the queue still drains).
    private let stopping = Atomic<Bool>(false)
    /// The threads are to exit now.
    private let halting = Atomic<Bool>(false)
    let breakpoints = Mutex<BreakpointSet>(.empty)
    private let sites = Mutex<[SiteKey: Site]>([:])
    private let overflow = Mutex<Site?>(nil)
    /// `function:label` pairs already queued for auto-registration.
    private let registeredLabels = Mutex<Set<String>>([])
    /// While the circuit is open: when the cooldown ends (monotonic ns), so
    /// that captures flow again and the sender can send its probe. 0: closed.
    let circuitOpenUntilNs = Atomic<UInt64>(0)
    /// Mirrors of sender/sync state for lock-free reads on the caller's path.
    let circuitState = Mutex<CircuitBreaker.State>(.closed)
    let killSwitch = Atomic<Bool>(false)
    let sseConnected = Atomic<Bool>(false)
    /// Set by the sender after an auto-registration: the sync thread polls
    /// at once (unless the stream is up and brings the change itself).
    let refreshRequested = Atomic<Bool>(false)
    private let threads = Mutex<[BackgroundThread]>([])
    /// Set when shutdown begins: requests started after it end by then.
    let shutdownDeadlineNs = Atomic<UInt64>(0)
    /// Telemetry for the next poll (`{"events": [...]}`), e.g. a circuit trip.
    let pendingEvents = Mutex<[JSONValue]>([])

    /// Timeout of one request: capture_timeout (5 s if none), cut to what
    /// is left before the shutdown deadline.
    var requestTimeoutMs: Int {
        let configured = options.captureTimeoutMs == 0 ? 5_000 : options.captureTimeoutMs
        let deadline = shutdownDeadlineNs.load(ordering: .acquiring)
        guard deadline != 0 else { return configured }
        let now = MonotonicClock.nowNanoseconds()
        let left = deadline > now ? Int((deadline &- now) / 1_000_000) : 1
        return max(1, min(configured, left))
    }

    /// The headers of every request to the backend.
    var requestHeaders: [HTTPHeader] {
        [HTTPHeader("X-API-Key", options.apiKey), HTTPHeader("Content-Type", "application/json"),
         HTTPHeader("User-Agent", "tracekit-native/\(TraceKitVersion.string)")]
    }

    func url(_ path: String) -> String { options.endpoint + path }

    /// The service name as one URL path segment.
    var servicePath: String { options.serviceName }  // validated: unreserved characters only

    public init(options: Options) throws(StartError) {
        guard !options.apiKey.isEmpty else {
            throw StartError(message: "api_key is not set (tk_options_set_api_key or TRACEKIT_API_KEY)")
        }
        self.options = options
        sanitizer = Sanitizer(options: options)
        log = RateLimitedLog(options.logHandler)
        rateLimiter = options.maxCapturesPerSecond > 0
            ? TokenBucket(ratePerSecond: max(1, Int(options.maxCapturesPerSecond.rounded(.up)))) : nil
        outbox = WaitQueue(capacity: options.maxQueue)
        createdInForkGeneration = ForkGeneration.current
        try startThreads()
    }

    private func startThreads() throws(StartError) {
        let sender = BackgroundThread { [self] in SenderLoop(client: self).run() }
        let sync = BackgroundThread { [self] in SyncLoop(client: self).run() }
        for thread in [sender, sync] {
            guard thread.start() else {
                stop()
                throw StartError(message: "could not start the client's threads")
            }
            threads.withLock { $0.append(thread) }
        }
    }

    /// True once shutdown began, or in a forked child (where the threads
    /// that serve this client do not exist).
    public var isStopped: Bool {
        stopping.load(ordering: .acquiring) || ForkGeneration.current != createdInForkGeneration
    }

    public var isInForkedChild: Bool { ForkGeneration.current != createdInForkGeneration }

    // MARK: - Sites

    /// The interned site for this location; created on first use.
    /// Callers check `isInForkedChild` first: a forked child must not take
    /// the locks a parent thread may have held at fork().
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

    /// True the first time this function:label asks (PROTOCOL.md: once per
    /// process per function:label).
    func claimRegistration(_ key: SiteKey) -> Bool {
        registeredLabels.withLock { $0.count < 100_000 && $0.insert("\(key.function):\(key.label)").inserted }
    }

    // MARK: - Flush, stats, shutdown

    /// Waits until what is queued now has been sent or dropped.
    public func flush(timeoutMs: Int) -> Bool {
        if isInForkedChild { return true }  // nothing of this process's own to send
        guard !isStopped else { return false }
        let deadline = MonotonicClock.nowNanoseconds() &+ UInt64(max(0, timeoutMs)) &* 1_000_000
        return outbox.waitUntilDrained(deadlineNs: deadline)
    }

    public func statsJSON() -> String {
        // In a forked child the parent's locks may be held forever: touch none.
        if isInForkedChild { return "{}" }
        var members = stats.jsonMembers.map { "\"\($0.0)\":\($0.1)" }
        members.append("\"sse_connected\":\(sseConnected.load(ordering: .relaxed))")
        members.append("\"kill_switch\":\(killSwitch.load(ordering: .relaxed))")
        members.append("\"circuit_state\":\"\(circuitState.withLock { $0.name })\"")
        members.append("\"queue_depth\":\(outbox.count)")
        members.append("\"breakpoints\":\(breakpoints.withLock { $0.count })")
        members.append("\"sites\":\(siteCount)")
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Sends what is queued within capture_timeout, then stops and joins the
    /// threads. In a forked child it only marks the client stopped.
    public func shutdown() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        guard !isInForkedChild else { return }
        let deadline = MonotonicClock.nowNanoseconds() &+ UInt64(requestTimeoutMs) &* 1_000_000
        shutdownDeadlineNs.store(deadline, ordering: .releasing)
        _ = outbox.waitUntilDrained(deadlineNs: deadline)
        stop()
    }

    /// Stops the threads: what is still queued is dropped and counted as
    /// failed; a request in flight ends by its own deadline.
    private func stop() {
        stopping.store(true, ordering: .releasing)
        halting.store(true, ordering: .releasing)
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
    }

    /// For the client's own threads: time to exit (after the drain).
    var haltRequested: Bool { halting.load(ordering: .acquiring) }

    /// Shutdown began (new calls are refused).
    public var stopRequested: Bool { stopping.load(ordering: .acquiring) }
}
