/// The rules of one function's worker pool, as a pure state machine: which worker takes which
/// invocation, and what a worker's answer, crash or timeout means for its caller. Each method
/// returns the effects its owner, ``WorkerPool``, must carry out; nothing here does I/O.
///
/// Lambda's execution model: a worker (an execution environment) holds at most one invocation
/// at a time. It asks for one with `GET /runtime/invocation/next` and answers it before asking
/// again ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)).
/// Invocations that find every worker busy wait in one FIFO queue, and go to the worker that
/// has been waiting longest, so consecutive requests spread over the pool.
///
/// The queue is bounded: past ``queueDepth`` an invocation is refused at once
/// (``InvocationOutcome/queueFull``). A queued invocation whose deadline passes
/// (``dropStale(now:)``), or whose caller has gone (``withdraw(_:)``), is dropped without ever
/// reaching a worker.
struct WorkerPoolStateMachine: Sendable {
    /// Where a worker is in its life.
    enum Phase: Sendable, Equatable {
        /// Started, and has not asked for an invocation yet; holds the error it reported to
        /// `/runtime/init/error`, if any.
        case initializing(FunctionErrorReport?)
        /// Waiting in `next`.
        case polling
        /// Holding this invocation.
        case busy(requestID: String)
        /// Between its answer and its next `next`.
        case returning
        /// Killed by the pool (timeout or shutdown); its exit is expected and fails nobody.
        case killed
    }

    /// What the owner must do.
    enum Effect: Sendable, Equatable {
        /// Answer the worker's pending `next` with the invocation (and start its timeout).
        case deliver(WorkerInvocation, to: WorkerID)
        /// Give the invocation's caller its outcome (and stop its timeout).
        case complete(requestID: String, InvocationOutcome)
        /// End a pending `next` with no invocation: its worker is gone.
        case releasePoll(WorkerID)
        /// SIGKILL the worker's process.
        case kill(WorkerID)
        /// Start a new process in the slot, after a pause.
        case restart(slot: Int, after: Duration)
        /// The worker ended before it ever asked for an invocation: the slot's `attempt`-th
        /// failed start in a row.
        case initFailed(WorkerID, FunctionErrorReport?, WorkerExit, attempt: Int)
    }

    /// What `next` gets.
    enum PollDecision: Sendable, Equatable {
        /// An invocation at once.
        case deliver(WorkerInvocation)
        /// Nothing yet: wait for ``Effect/deliver(_:to:)`` or ``Effect/releasePoll(_:)``.
        case wait
        /// Not now: the worker is not current, or is holding an invocation it has not answered.
        case refuse
    }

    /// What an answer (`response` or `error`) gets.
    enum AnswerDecision: Sendable, Equatable {
        /// 202; the caller gets its outcome.
        case accept(Effect)
        /// 400 `InvalidRequestID`: the worker holds no invocation with this id.
        case invalidRequestID
        /// 403 `InvalidStateTransition`: the worker is not the slot's current process.
        case invalidState
    }

    private struct Worker: Sendable {
        var id: WorkerID
        var phase: Phase
    }

    /// An invocation waiting for a worker, and the moment it stops waiting.
    private struct Waiting: Sendable {
        var invocation: WorkerInvocation
        var deadline: ContinuousClock.Instant?
    }

    /// How many workers the pool keeps running.
    let slotCount: Int
    /// How many invocations may wait for a worker at once.
    let queueDepth: Int
    private var workers: [Int: Worker] = [:]
    private var generations: [Int: Int] = [:]
    private var failedStarts: [Int: Int] = [:]
    private var queue: [Waiting] = []
    /// Slots waiting in `next`, longest-waiting first.
    private var polling: [Int] = []
    /// Slots whose worker has asked for an invocation at least once.
    private(set) var initializedSlots: Set<Int> = []
    /// Whether ``shutDown()`` was called.
    private(set) var isShuttingDown = false

    /// A pool of `slotCount` workers, none started yet, whose queue holds up to `queueDepth`
    /// invocations.
    init(slotCount: Int, queueDepth: Int = .max) {
        precondition(slotCount > 0, "a pool needs at least one worker")
        precondition(queueDepth >= 0, "a queue cannot be shorter than empty")
        self.slotCount = slotCount
        self.queueDepth = queueDepth
    }

    /// The number of invocations waiting for a worker.
    var queuedCount: Int { queue.count }

    /// When the invocation that has waited longest stops waiting, if it has a deadline.
    var nextDeadline: ContinuousClock.Instant? { queue.first?.deadline }

    /// The phase of the slot's current worker, `nil` when it has none.
    func phase(ofSlot slot: Int) -> Phase? { workers[slot]?.phase }

    // MARK: - Workers starting and ending

    /// The id of the slot's next process.
    mutating func nextWorkerID(slot: Int) -> WorkerID {
        let generation = generations[slot, default: -1] + 1
        generations[slot] = generation
        return WorkerID(slot: slot, generation: generation)
    }

    /// The process `id` is running.
    mutating func launched(_ id: WorkerID) {
        workers[id.slot] = Worker(id: id, phase: .initializing(nil))
    }

    /// The runtime reported that it cannot initialise; `false` (403) unless the worker is
    /// current and still initialising.
    mutating func initFailed(_ id: WorkerID, report: FunctionErrorReport) -> Bool {
        guard workers[id.slot]?.id == id, case .initializing = workers[id.slot]?.phase else { return false }
        workers[id.slot]?.phase = .initializing(report)
        return true
    }

    /// The worker did not ask for an invocation in time: kill it, and count its exit as a
    /// failed start. `nil` when it has asked meanwhile, or is not current.
    mutating func initTimedOut(_ id: WorkerID, limit: Duration) -> Effect? {
        guard workers[id.slot]?.id == id, case .initializing(let report) = workers[id.slot]?.phase else { return nil }
        let timeout = FunctionErrorReport(errorType: "Runtime.InitTimeout", errorMessage: "no invocation asked for within \(limit)")
        workers[id.slot]?.phase = .initializing(report ?? timeout)
        return .kill(id)
    }

    /// The process `id` ended (or never started): fail what it held, then restart the slot.
    ///
    /// A process that ends before its first `next` failed to start; while no worker of the pool
    /// is initialised, queued invocations fail with ``InvocationOutcome/notStarted`` rather
    /// than wait for a start that may never succeed. Repeated failed starts back off.
    mutating func exited(_ id: WorkerID, _ exit: WorkerExit) -> [Effect] {
        guard let worker = workers[id.slot], worker.id == id else { return [] }
        workers[id.slot] = nil
        polling.removeAll { $0 == id.slot }
        var effects: [Effect] = []
        switch worker.phase {
        case .busy(let requestID):
            effects.append(.complete(requestID: requestID, .workerCrashed(exit)))
        case .polling:
            effects.append(.releasePoll(id))
        case .returning, .killed:
            break
        case .initializing(let report):
            failedStarts[id.slot, default: 0] += 1
            effects.append(.initFailed(id, report, exit, attempt: failedStarts[id.slot, default: 0]))
            if !workers.values.contains(where: \.phase.isInitialized) {
                effects += queue.map { .complete(requestID: $0.invocation.requestID, .notStarted) }
                queue.removeAll()
            }
        }
        if !isShuttingDown {
            effects.append(.restart(slot: id.slot, after: Self.restartDelay(afterFailedStarts: failedStarts[id.slot, default: 0])))
        }
        return effects
    }

    /// The pause before a slot's next start: none after a worker that had started, then
    /// 0.25 s doubling up to 8 s while starts keep failing, so a broken configuration does not
    /// spin the machine.
    static func restartDelay(afterFailedStarts failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        return .milliseconds(250 << min(failures - 1, 5))
    }

    // MARK: - Invocations

    /// A caller's invocation: to the longest-waiting worker, or to the back of the queue until
    /// `deadline`; refused with ``InvocationOutcome/queueFull`` when ``queueDepth`` invocations
    /// already wait.
    mutating func submit(_ invocation: WorkerInvocation, deadline: ContinuousClock.Instant? = nil) -> Effect? {
        guard !isShuttingDown else { return .complete(requestID: invocation.requestID, .shuttingDown) }
        guard !polling.isEmpty, let worker = workers[polling.removeFirst()] else {
            guard queue.count < queueDepth else { return .complete(requestID: invocation.requestID, .queueFull) }
            queue.append(Waiting(invocation: invocation, deadline: deadline))
            return nil
        }
        workers[worker.id.slot]?.phase = .busy(requestID: invocation.requestID)
        return .deliver(invocation, to: worker.id)
    }

    /// Drops the invocations at the head of the queue whose deadline has passed at `now`
    /// (``InvocationOutcome/queueTimedOut``): deadlines come in queue order, so those are all
    /// at the head. The owner calls it before each poll and when the head's deadline passes.
    mutating func dropStale(now: ContinuousClock.Instant) -> [Effect] {
        var effects: [Effect] = []
        while let head = queue.first, let deadline = head.deadline, deadline <= now {
            effects.append(.complete(requestID: head.invocation.requestID, .queueTimedOut))
            queue.removeFirst()
        }
        return effects
    }

    /// The caller of `requestID` has gone: its invocation leaves the queue with
    /// ``InvocationOutcome/callerGone``. `nil` when it is not queued (a worker holds it, or it
    /// has ended).
    mutating func withdraw(_ requestID: String) -> Effect? {
        guard let index = queue.firstIndex(where: { $0.invocation.requestID == requestID }) else { return nil }
        queue.remove(at: index)
        return .complete(requestID: requestID, .callerGone)
    }

    /// The worker asks for its next invocation (`GET /runtime/invocation/next`).
    mutating func poll(from id: WorkerID) -> PollDecision {
        guard !isShuttingDown, let worker = workers[id.slot], worker.id == id else { return .refuse }
        switch worker.phase {
        case .initializing, .returning:
            initializedSlots.insert(id.slot)
            failedStarts[id.slot] = 0
        case .polling, .busy, .killed:
            return .refuse
        }
        guard queue.isEmpty else {
            let invocation = queue.removeFirst().invocation
            workers[id.slot]?.phase = .busy(requestID: invocation.requestID)
            return .deliver(invocation)
        }
        workers[id.slot]?.phase = .polling
        polling.append(id.slot)
        return .wait
    }

    /// The worker's pending `next` went away without an answer (its connection closed): it
    /// is no longer waiting.
    mutating func pollAbandoned(by id: WorkerID) {
        guard workers[id.slot]?.id == id, workers[id.slot]?.phase == .polling else { return }
        polling.removeAll { $0 == id.slot }
        workers[id.slot]?.phase = .returning
    }

    /// The worker answers the invocation `requestID` with `outcome`: its response, or its error.
    mutating func answer(_ requestID: String, from id: WorkerID, with outcome: InvocationOutcome) -> AnswerDecision {
        guard let worker = workers[id.slot], worker.id == id else { return .invalidState }
        guard worker.phase == .busy(requestID: requestID) else { return .invalidRequestID }
        workers[id.slot]?.phase = .returning
        return .accept(.complete(requestID: requestID, outcome))
    }

    /// The invocation's time is up: its caller gets ``InvocationOutcome/timedOut`` and its
    /// worker is killed. Nothing, when it was answered meanwhile.
    mutating func timedOut(_ requestID: String) -> [Effect] {
        guard let worker = workers.values.first(where: { $0.phase == .busy(requestID: requestID) }) else { return [] }
        workers[worker.id.slot]?.phase = .killed
        return [.complete(requestID: requestID, .timedOut), .kill(worker.id)]
    }

    /// Stops the pool: queued and held invocations fail with ``InvocationOutcome/shuttingDown``,
    /// pending `next` calls end, every worker is killed, and no slot restarts.
    mutating func shutDown() -> [Effect] {
        isShuttingDown = true
        var effects = queue.map { Effect.complete(requestID: $0.invocation.requestID, .shuttingDown) }
        queue.removeAll()
        polling.removeAll()
        for slot in workers.keys.sorted() {
            guard let worker = workers[slot] else { continue }
            switch worker.phase {
            case .busy(let requestID): effects.append(.complete(requestID: requestID, .shuttingDown))
            case .polling: effects.append(.releasePoll(worker.id))
            case .initializing, .returning, .killed: break
            }
            workers[slot]?.phase = .killed
            effects.append(.kill(worker.id))
        }
        return effects
    }
}

extension WorkerPoolStateMachine.Phase {
    /// Whether the worker has got past its initialisation.
    var isInitialized: Bool {
        if case .initializing = self { return false }
        return self != .killed
    }
}
