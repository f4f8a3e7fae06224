import Foundation
import NIOCore
import QuizBootstrap
import Synchronization

/// One function's workers: N processes of its bootstrap, each fed up to
/// ``Configuration/concurrency`` invocations at a time through the runner's Runtime API
/// (``RuntimeAPIServer``), by the rules of ``WorkerPoolStateMachine``, whose effects this pool
/// carries out: it holds the callers' and the workers' callbacks, the timers and the processes.
///
/// Every worker has a Runtime API path prefix of its own, so every call names its worker: a
/// crash (the process's exit) fails exactly the callers whose invocations that worker held, a
/// timeout exactly its own caller; a replacement then starts in the slot, with a new prefix.
/// ``replaceWorkers()`` swaps every worker for a new process without failing anything
/// (`serve --watch`).
///
/// The pool is a lock around the state machine, not an actor: the gateway and the Runtime API
/// call it from their event loops and get their answer in the same call when there is one (a
/// worker waiting, an invocation queued), with no hop to another thread. Callbacks run outside
/// the lock.
///
/// Should the runner itself be killed, its Runtime API closes with it: each worker's next call
/// fails, which ends a bootstrap (the Runtime API is gone for good), so no worker outlives the
/// runner even then.
final class WorkerPool: Sendable {
    /// The pool's settings.
    let configuration: Configuration
    /// Where the pool's timers run.
    let timers: any EventLoop
    /// The Runtime API its workers call.
    let runtimeAPI: RuntimeAPIServer
    let state: Mutex<State>

    /// What a caller is told when its invocation ends, however it ends.
    typealias Completion = @Sendable (Reply) -> Void
    /// What a worker's pending `next` is answered with.
    typealias PollAnswer = @Sendable (NextAnswer) -> Void

    struct State {
        var machine: WorkerPoolStateMachine
        /// The running processes, and their Runtime API prefixes.
        var processes: [WorkerID: RunningWorker] = [:]
        /// Callers waiting for their invocation's outcome, by request id.
        var callers: [String: Completion] = [:]
        /// Workers' pending `next` calls.
        var polls: [PollTicket: PollAnswer] = [:]
        /// The pid of the worker holding each delivered invocation.
        var holders: [String: Int32] = [:]
        /// The timeout of each delivered invocation.
        var timeouts: [String: Scheduled<Void>] = [:]
        /// The initialisation limit of each starting process.
        var initTimeouts: [WorkerID: Scheduled<Void>] = [:]
        /// Slots waiting to restart.
        var restarts: [Int: Scheduled<Void>] = [:]
        /// The timer for the queue's head's deadline.
        var queueDeadline: Scheduled<Void>?
        /// Where ``start()`` is.
        var startup: Startup = .notStarted
        /// ``shutDown()`` calls waiting for the last process to be reaped.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A worker's process, and its Runtime API prefix.
    struct RunningWorker {
        var id: WorkerID
        var process: WorkerProcess
        var prefix: String
    }

    enum Startup {
        case notStarted
        case waiting(CheckedContinuation<Void, any Error>?)
        case failed(WorkerStartupError)
        case done
    }

    /// Work to do once the lock is released.
    typealias Actions = [@Sendable () -> Void]

    /// How many starts in a row a slot may fail while the runner starts, before the runner
    /// gives up: 0.75 s of retries (``WorkerPoolStateMachine/restartDelay(afterFailedStarts:)``).
    static let startupAttempts = 3

    /// A pool whose workers call `runtimeAPI` and whose timers run on `timers`; ``start()``
    /// launches them.
    init(_ configuration: Configuration, runtimeAPI: RuntimeAPIServer, timers: any EventLoop) {
        self.configuration = configuration
        self.runtimeAPI = runtimeAPI
        self.timers = timers
        state = Mutex(
            State(
                machine: WorkerPoolStateMachine(
                    slotCount: configuration.workers, queueDepth: configuration.queueDepth, concurrency: configuration.concurrency)))
    }

    /// Runs `body` under the lock, then the actions it left.
    func update<Value>(_ body: (inout State, inout Actions) -> Value) -> Value {
        var actions: Actions = []
        let result = state.withLock { body(&$0, &actions) }
        for action in actions { action() }
        return result
    }

    // MARK: - Lifecycle

    /// Launches every worker and returns once each has asked for its first invocation.
    ///
    /// - Throws: ``WorkerStartupError`` for the first slot whose worker failed to initialise
    ///   ``startupAttempts`` times in a row.
    func start() async throws {
        update { state, _ in state.startup = .waiting(nil) }
        for slot in 0..<configuration.workers {
            launch(slot: slot)
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            update { state, actions in
                if case .failed(let failure) = state.startup {
                    actions.append { continuation.resume(throwing: failure) }
                    return
                }
                state.startup = .waiting(continuation)
                settleStartup(&state, &actions)
            }
        }
    }

    /// Fails every invocation still waiting, kills every worker, and returns once each process
    /// has been reaped.
    func shutDown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            update { state, actions in
                perform(state.machine.shutDown(), &state, &actions)
                state.queueDeadline?.cancel()
                for task in state.restarts.values { task.cancel() }
                for task in state.initTimeouts.values { task.cancel() }
                if case .waiting(let startup) = state.startup, let startup {
                    actions.append { startup.resume(throwing: CancellationError()) }
                }
                state.startup = .done
                if state.processes.isEmpty {
                    actions.append { continuation.resume() }
                } else {
                    state.drainWaiters.append(continuation)
                }
            }
        }
    }

    // MARK: - Callers

    /// Runs one invocation on the next free worker; `completion` gets its outcome, however it
    /// ends, possibly before this returns.
    ///
    /// The invocation waits at most ``Configuration/queueTimeout`` for a worker; ``withdraw(_:)``
    /// drops it unseen while it waits.
    func submit(_ event: [UInt8], requestID: String, completion: @escaping Completion) {
        update { state, actions in
            state.callers[requestID] = completion
            let deadline = ContinuousClock.now + configuration.queueTimeout
            if let effect = state.machine.submit(WorkerInvocation(requestID: requestID, event: event), deadline: deadline) {
                perform([effect], &state, &actions)
            }
            armQueueDeadline(&state)
        }
    }

    /// ``submit(_:requestID:completion:)``, awaited.
    func invoke(_ event: [UInt8], requestID: String) async -> Reply {
        await withCheckedContinuation { continuation in
            submit(event, requestID: requestID) { continuation.resume(returning: $0) }
        }
    }

    /// The caller of `requestID` has gone: its invocation leaves the queue unseen. Nothing
    /// happens to one a worker already holds.
    func withdraw(_ requestID: String) {
        update { state, actions in
            if let effect = state.machine.withdraw(requestID) { perform([effect], &state, &actions) }
        }
    }

    // MARK: - Runtime API

    /// `GET /runtime/invocation/next` from worker `id`: `answer` gets an invocation now, or once
    /// one arrives. Returns the ticket of a `next` left waiting, for ``abandonPoll(_:)``.
    @discardableResult
    func next(for id: WorkerID, answer: @escaping PollAnswer) -> PollTicket? {
        update { state, actions in
            perform(state.machine.dropStale(now: .now), &state, &actions)
            let (decision, effects) = state.machine.poll(from: id)
            let ticket: PollTicket?
            switch decision {
            case .refuse:
                actions.append { answer(.refused) }
                ticket = nil
            case .deliver(let invocation):
                let delivered = hand(invocation, to: id, &state)
                actions.append { answer(delivered) }
                ticket = nil
            case .wait(let waiting):
                // Kept before the effects: they may deliver to this very `next`.
                state.polls[waiting] = answer
                ticket = waiting
            }
            perform(effects, &state, &actions)
            settleStartup(&state, &actions)
            return ticket
        }
    }

    /// A pending `next` went away without an answer (its connection closed).
    func abandonPoll(_ ticket: PollTicket) {
        update { state, _ in
            state.machine.pollAbandoned(ticket)
            state.polls[ticket] = nil
        }
    }

    /// Replaces every worker with a new process of the bootstrap (rebuilt by `serve --watch`),
    /// failing nothing: each new process takes its slot over once it asks for an invocation,
    /// and the one it replaces is killed once its invocations have been answered.
    func replaceWorkers() {
        update { state, actions in
            perform(state.machine.replaceWorkers(), &state, &actions)
        }
    }

    /// `POST /runtime/invocation/{requestID}/response` or `…/error` from worker `id`.
    func answer(_ requestID: String, from id: WorkerID, with outcome: InvocationOutcome) -> WorkerPoolStateMachine.AnswerDecision {
        update { state, actions in
            let decision = state.machine.answer(requestID, from: id, with: outcome)
            if case .accept(let effects) = decision { perform(effects, &state, &actions) }
            return decision
        }
    }

    /// `POST /runtime/init/error` from worker `id`; `false` once the worker has initialised.
    func reportInitError(from id: WorkerID, _ report: FunctionErrorReport) -> Bool {
        update { state, _ in state.machine.initFailed(id, report: report) }
    }
}
