/// The rules of one function's worker pool, as a pure state machine: which worker takes which
/// invocation, and what a worker's answer, crash or timeout means for its callers. Each method
/// returns the effects its owner, ``WorkerPool``, must carry out; nothing here does I/O.
///
/// Lambda's execution model: a worker (an execution environment) runs ``concurrency`` loops,
/// each asking for an invocation with `GET /runtime/invocation/next` and answering it before
/// asking again ([Runtime API](https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html)).
/// With one loop that is Lambda's classic model; with more it is Lambda Managed Instances, where
/// the Runtime API accepts up to `AWS_LAMBDA_MAX_CONCURRENCY` concurrent `next` and `response`
/// calls from one environment. A worker may have at most ``concurrency`` invocations and pending
/// `next` calls together; one more `next` is refused.
///
/// An invocation goes to the least busy worker with a pending `next`, and among those to the one
/// whose `next` has waited longest, so consecutive requests spread over the pool. Invocations
/// that find no worker waiting wait in one FIFO queue. The queue is bounded: past ``queueDepth``
/// an invocation is refused at once (``InvocationOutcome/queueFull``). A queued invocation whose
/// deadline passes (``dropStale(now:)``), or whose caller has gone (``withdraw(_:)``), is dropped
/// without ever reaching a worker.
///
/// Timeouts are per invocation, as on Managed Instances: the caller gets
/// ``InvocationOutcome/timedOut`` and the invocation stays *overdue* in its loop, which the
/// worker frees by answering late (accepted, and dropped). A worker whose every loop is overdue
/// can serve nobody and is killed; with one loop that is Lambda's classic rule, kill on timeout.
///
/// Workers are replaced without dropping anything (``replaceWorkers()``, for `serve --watch`): a
/// successor starts beside each slot's worker; once every successor has asked for an invocation,
/// all of them take their slots over at once (so no request is served by the old build after one
/// was served by the new), and the workers they replace retire: they are given nothing new, and
/// are killed once the invocations they hold have been answered. If any successor fails to
/// start, the others are killed and the old workers keep serving.
struct WorkerPoolStateMachine: Sendable {
    /// Where a worker is in its life.
    enum Phase: Sendable, Equatable {
        /// Started, and has not asked for an invocation yet; holds the error it reported to
        /// `/runtime/init/error`, if any.
        case initializing(FunctionErrorReport?)
        /// Has asked for an invocation at least once.
        case running
        /// Killed by the pool (timeout, retirement or shutdown); its exit is expected.
        case killed
    }

    /// What a worker is to its slot.
    enum Role: Sendable, Equatable {
        /// The slot's worker.
        case current
        /// Starting (or started, and waiting for the others), to take the slot over from its
        /// current worker.
        case successor
        /// Replaced: finishing what it holds, then killed.
        case retiring
    }

    /// What the owner must do.
    enum Effect: Sendable, Equatable {
        /// Answer this pending `next` with the invocation (and start its timeout).
        case deliver(WorkerInvocation, to: PollTicket)
        /// Give the invocation's caller its outcome (and stop its timeout).
        case complete(requestID: String, InvocationOutcome)
        /// End a pending `next` with no invocation: its worker is gone.
        case releasePoll(PollTicket)
        /// SIGKILL the worker's process.
        case kill(WorkerID)
        /// Start a new process in the slot, after a pause.
        case restart(slot: Int, after: Duration)
        /// Start the process of this successor (``replaceWorkers()``).
        case launch(WorkerID)
        /// The worker ended before it ever asked for an invocation: the slot's `attempt`-th
        /// failed start in a row.
        case initFailed(WorkerID, FunctionErrorReport?, WorkerExit, attempt: Int)
        /// A successor ended before the replacement was done: every slot keeps its worker.
        case replacementFailed(WorkerID, FunctionErrorReport?, WorkerExit)
        /// The successor took its slot over; the worker it replaced retires.
        case replaced(WorkerID, by: WorkerID)
    }

    /// What `next` gets.
    enum PollDecision: Sendable, Equatable {
        /// An invocation at once.
        case deliver(WorkerInvocation)
        /// Nothing yet: wait for ``Effect/deliver(_:to:)`` or ``Effect/releasePoll(_:)``.
        case wait(PollTicket)
        /// Not now: the worker is not one of the pool's, or all of its loops are taken.
        case refuse
    }

    /// What an answer (`response` or `error`) gets.
    enum AnswerDecision: Sendable, Equatable {
        /// 202, with what follows: the caller's outcome, unless it already had one (a late answer).
        case accept([Effect])
        /// 400 `InvalidRequestID`: the worker holds no invocation with this id.
        case invalidRequestID
        /// 403 `InvalidStateTransition`: the worker is not one of the pool's.
        case invalidState
    }

    struct Worker: Sendable {
        var id: WorkerID
        var phase: Phase
        var role: Role
        /// Invocations it holds whose callers wait, oldest first.
        var held: [String] = []
        /// Invocations past their timeout, still running in one of its loops.
        var overdue: Set<String> = []
        /// Its pending `next` calls, oldest first.
        var polls: [PollTicket] = []

        /// Loops busy with an invocation.
        var load: Int { held.count + overdue.count }
    }

    /// An invocation waiting for a worker, and the moment it stops waiting.
    struct Waiting: Sendable {
        var invocation: WorkerInvocation
        var deadline: ContinuousClock.Instant?
    }

    /// How many workers the pool keeps running.
    let slotCount: Int
    /// How many invocations may wait for a worker at once.
    let queueDepth: Int
    /// How many invocations each worker runs at once (`AWS_LAMBDA_MAX_CONCURRENCY`).
    let concurrency: Int
    // The state below is changed only by the machine's own methods (here and in
    // WorkerPoolStateMachine+Invocations.swift); the owner reads it through the accessors.
    var workers: [WorkerID: Worker] = [:]
    /// Each slot's current worker.
    var current: [Int: WorkerID] = [:]
    /// Each slot's successor, while one starts.
    var successors: [Int: WorkerID] = [:]
    private var generations: [Int: Int] = [:]
    var failedStarts: [Int: Int] = [:]
    /// The worker holding each delivered invocation, until it is answered.
    var holders: [String: WorkerID] = [:]
    var queue: [Waiting] = []
    var pollCount: UInt64 = 0
    /// Slots whose worker has asked for an invocation at least once.
    var initializedSlots: Set<Int> = []
    /// Whether ``shutDown()`` was called.
    var isShuttingDown = false

    /// A pool of `slotCount` workers of `concurrency` loops each, none started yet, whose queue
    /// holds up to `queueDepth` invocations.
    init(slotCount: Int, queueDepth: Int = .max, concurrency: Int = 1) {
        precondition(slotCount > 0, "a pool needs at least one worker")
        precondition(queueDepth >= 0, "a queue cannot be shorter than empty")
        precondition(concurrency > 0, "a worker runs at least one loop")
        self.slotCount = slotCount
        self.queueDepth = queueDepth
        self.concurrency = concurrency
    }

    /// The number of invocations waiting for a worker.
    var queuedCount: Int { queue.count }

    /// When the invocation that has waited longest stops waiting, if it has a deadline.
    var nextDeadline: ContinuousClock.Instant? { queue.first?.deadline }

    /// The number of slots whose successor has not taken over yet.
    var pendingReplacements: Int { successors.count }

    /// The worker `id`, while it runs.
    func worker(_ id: WorkerID) -> Worker? { workers[id] }

    /// The phase of the slot's current worker, `nil` when it has none.
    func phase(ofSlot slot: Int) -> Phase? { current[slot].flatMap { workers[$0]?.phase } }

    // MARK: - Workers starting and ending

    /// The id of the slot's next process.
    mutating func nextWorkerID(slot: Int) -> WorkerID {
        let generation = generations[slot, default: -1] + 1
        generations[slot] = generation
        return WorkerID(slot: slot, generation: generation)
    }

    /// The process `id` is running as its slot's worker.
    mutating func launched(_ id: WorkerID) {
        workers[id] = Worker(id: id, phase: .initializing(nil), role: .current)
        current[id.slot] = id
    }

    /// The runtime reported that it cannot initialise; `false` (403) unless the worker is
    /// still initialising.
    mutating func initFailed(_ id: WorkerID, report: FunctionErrorReport) -> Bool {
        guard case .initializing = workers[id]?.phase else { return false }
        workers[id]?.phase = .initializing(report)
        return true
    }

    /// The worker did not ask for an invocation in time: kill it, and count its exit as a
    /// failed start. `nil` when it has asked meanwhile, or is gone.
    mutating func initTimedOut(_ id: WorkerID, limit: Duration) -> Effect? {
        guard case .initializing(let report) = workers[id]?.phase else { return nil }
        let timeout = FunctionErrorReport(errorType: "Runtime.InitTimeout", errorMessage: "no invocation asked for within \(limit)")
        workers[id]?.phase = .initializing(report ?? timeout)
        return .kill(id)
    }

    /// The process `id` ended (or never started): fail what it held, then restart its slot
    /// if it was the slot's worker.
    ///
    /// A process that ends before its first `next` failed to start; while no worker of the pool
    /// can take invocations, queued ones fail with ``InvocationOutcome/notStarted`` rather than
    /// wait for a start that may never succeed. Repeated failed starts back off. A successor
    /// that fails leaves its slot to the worker it was to replace.
    mutating func exited(_ id: WorkerID, _ exit: WorkerExit) -> [Effect] {
        guard let worker = workers.removeValue(forKey: id) else { return [] }
        var effects: [Effect] = worker.held.map { .complete(requestID: $0, .workerCrashed(exit)) }
        effects += worker.polls.map { .releasePoll($0) }
        for requestID in worker.held { holders[requestID] = nil }
        for requestID in worker.overdue { holders[requestID] = nil }
        switch worker.role {
        case .retiring:
            return effects
        case .successor:
            guard successors[id.slot] == id, worker.phase != .killed else { return effects }
            successors[id.slot] = nil
            var report: FunctionErrorReport?
            if case .initializing(let reported) = worker.phase { report = reported }
            effects.append(.replacementFailed(id, report, exit))
            // All or nothing: the other successors go too.
            for (_, other) in successors.sorted(by: { $0.key < $1.key }) where workers[other] != nil {
                workers[other]?.phase = .killed
                effects.append(.kill(other))
            }
            successors.removeAll()
            return effects
        case .current:
            current[id.slot] = nil
        }
        if case .initializing(let report) = worker.phase {
            failedStarts[id.slot, default: 0] += 1
            effects.append(.initFailed(id, report, exit, attempt: failedStarts[id.slot, default: 0]))
            if !workers.values.contains(where: { $0.phase == .running && $0.role != .retiring }) {
                effects += queue.map { .complete(requestID: $0.invocation.requestID, .notStarted) }
                queue.removeAll()
            }
        }
        if let successor = successors.removeValue(forKey: id.slot) {
            // The successor takes the slot as it is (starting, or waiting for the others), and
            // the others need no longer wait for it.
            workers[successor]?.role = .current
            current[id.slot] = successor
            effects += dispatchQueue()
            effects += completeReplacement()
        } else if !isShuttingDown {
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

    /// Starts a successor for every slot that has a worker: each takes its slot over when it
    /// first asks for an invocation. A successor still starting from an earlier call is killed
    /// first (its build is out of date). A slot waiting to restart starts afresh anyway.
    mutating func replaceWorkers() -> [Effect] {
        guard !isShuttingDown else { return [] }
        var effects: [Effect] = []
        for slot in current.keys.sorted() {
            if let stale = successors.removeValue(forKey: slot), workers[stale] != nil {
                workers[stale]?.phase = .killed
                effects.append(.kill(stale))
            }
            let id = nextWorkerID(slot: slot)
            workers[id] = Worker(id: id, phase: .initializing(nil), role: .successor)
            successors[slot] = id
            effects.append(.launch(id))
        }
        return effects
    }
}

/// A pending `GET /runtime/invocation/next`: the worker that asked, and its place in line.
struct PollTicket: Hashable, Sendable, CustomStringConvertible {
    /// The worker.
    var worker: WorkerID
    /// Its number among every `next` of the pool, in the order they arrived.
    var number: UInt64

    var description: String { "\(worker) next #\(number)" }
}

extension WorkerPoolStateMachine.Phase {
    /// Whether the worker has got past its initialisation.
    var isInitialized: Bool { self == .running }
}
