import Foundation
import NIOCore
import QuizBootstrap
import Synchronization

/// One function's workers: N processes of its bootstrap, fed one invocation at a time through
/// the runner's Runtime API (``RuntimeAPIServer``), by the rules of
/// ``WorkerPoolStateMachine``, whose effects this pool carries out: it holds the callers' and
/// the workers' callbacks, the timers and the processes.
///
/// Every worker has a Runtime API path prefix of its own, so every call names its worker: a
/// crash (the process's exit) or a timeout (which kills the process) fails exactly the caller
/// whose invocation that worker held; a replacement then starts in the slot, with a new prefix.
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
    private let timers: any EventLoop
    /// The Runtime API its workers call.
    private let runtimeAPI: RuntimeAPIServer
    private let state: Mutex<State>

    /// What a caller is told when its invocation ends, however it ends.
    typealias Completion = @Sendable (Reply) -> Void
    /// What a worker's pending `next` is answered with.
    typealias PollAnswer = @Sendable (NextAnswer) -> Void

    private struct State {
        var machine: WorkerPoolStateMachine
        /// The running process of each slot, and its Runtime API prefix.
        var processes: [Int: RunningWorker] = [:]
        /// Callers waiting for their invocation's outcome, by request id.
        var callers: [String: Completion] = [:]
        /// Workers' pending `next` calls.
        var polls: [WorkerID: PollAnswer] = [:]
        /// The pid of the worker holding each delivered invocation.
        var holders: [String: Int32] = [:]
        /// The timeout of each delivered invocation.
        var timeouts: [String: Scheduled<Void>] = [:]
        /// The initialisation limit of each slot's starting process.
        var initTimeouts: [Int: Scheduled<Void>] = [:]
        /// Slots waiting to restart.
        var restarts: [Int: Scheduled<Void>] = [:]
        /// The timer for the queue's head's deadline.
        var queueDeadline: Scheduled<Void>?
        /// Where ``start()`` is.
        var startup: Startup = .notStarted
        /// ``shutDown()`` calls waiting for the last process to be reaped.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The current process of a slot, and its Runtime API prefix.
    private struct RunningWorker {
        var id: WorkerID
        var process: WorkerProcess
        var prefix: String
    }

    private enum Startup {
        case notStarted
        case waiting(CheckedContinuation<Void, any Error>?)
        case failed(WorkerStartupError)
        case done
    }

    /// Work to do once the lock is released.
    private typealias Actions = [@Sendable () -> Void]

    /// How many starts in a row a slot may fail while the runner starts, before the runner
    /// gives up: 0.75 s of retries (``WorkerPoolStateMachine/restartDelay(afterFailedStarts:)``).
    static let startupAttempts = 3

    /// A pool whose workers call `runtimeAPI` and whose timers run on `timers`; ``start()``
    /// launches them.
    init(_ configuration: Configuration, runtimeAPI: RuntimeAPIServer, timers: any EventLoop) {
        self.configuration = configuration
        self.runtimeAPI = runtimeAPI
        self.timers = timers
        state = Mutex(State(machine: WorkerPoolStateMachine(slotCount: configuration.workers, queueDepth: configuration.queueDepth)))
    }

    /// Runs `body` under the lock, then the actions it left.
    private func update<Value>(_ body: (inout State, inout Actions) -> Value) -> Value {
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
    /// one arrives.
    func next(for id: WorkerID, answer: @escaping PollAnswer) {
        update { state, actions in
            perform(state.machine.dropStale(now: .now), &state, &actions)
            let decision = state.machine.poll(from: id)
            settleStartup(&state, &actions)
            switch decision {
            case .refuse:
                actions.append { answer(.refused) }
            case .deliver(let invocation):
                let delivered = hand(invocation, to: id, &state)
                actions.append { answer(delivered) }
            case .wait:
                state.polls[id] = answer
            }
        }
    }

    /// Worker `id`'s pending `next` went away without an answer (its connection closed).
    func abandonPoll(by id: WorkerID) {
        update { state, _ in
            state.machine.pollAbandoned(by: id)
            state.polls[id] = nil
        }
    }

    /// `POST /runtime/invocation/{requestID}/response` or `…/error` from worker `id`.
    func answer(_ requestID: String, from id: WorkerID, with outcome: InvocationOutcome) -> WorkerPoolStateMachine.AnswerDecision {
        update { state, actions in
            let decision = state.machine.answer(requestID, from: id, with: outcome)
            if case .accept(let effect) = decision { perform([effect], &state, &actions) }
            return decision
        }
    }

    /// `POST /runtime/init/error` from worker `id`; `false` once the worker has initialised.
    func reportInitError(from id: WorkerID, _ report: FunctionErrorReport) -> Bool {
        update { state, _ in state.machine.initFailed(id, report: report) }
    }
}

// MARK: - Workers

extension WorkerPool {
    /// Starts a process in `slot` under a new Runtime API prefix.
    private func launch(slot: Int) {
        let launched: (id: WorkerID, prefix: String)? = update { state, _ in
            state.restarts[slot] = nil
            guard !state.machine.isShuttingDown else { return nil }
            let id = state.machine.nextWorkerID(slot: slot)
            state.machine.launched(id)
            return (id, runtimeAPI.register(pool: self, worker: id))
        }
        guard let (id, prefix) = launched else { return }
        let environment = WorkerEnvironment.variables(
            configuration.environment, runtimeAPI: runtimeAPI.endpoint(prefix: prefix), logStream: "\(configuration.function)-\(slot + 1)-\(id.generation)")
        let process: WorkerProcess
        do {
            process = try WorkerProcess.launch(configuration.bootstrap, environment: environment) { [weak self] exit in
                guard let self else { return }
                self.exited(id, exit)
            }
        } catch {
            runtimeAPI.unregister(prefix: prefix)
            // Lambda's own name for a bootstrap it cannot run.
            let report = FunctionErrorReport(errorType: "Runtime.InvalidEntrypoint", errorMessage: "\(configuration.bootstrap.path): \(error)")
            update { state, actions in
                _ = state.machine.initFailed(id, report: report)
                perform(state.machine.exited(id, .notLaunched), &state, &actions)
            }
            return
        }
        update { state, _ in
            state.processes[slot] = RunningWorker(id: id, process: process, prefix: prefix)
            let limit = configuration.initTimeout
            state.initTimeouts[slot] = timers.scheduleTask(in: .milliseconds(limit.wholeMilliseconds)) { [weak self] in
                guard let self else { return }
                self.initTimeoutElapsed(id, limit: limit)
            }
        }
        if id.generation > 0 {
            printError("local-runner: \(configuration.function) worker \(id) replaced (pid \(process.pid))")
        }
    }

    private func initTimeoutElapsed(_ id: WorkerID, limit: Duration) {
        update { state, actions in
            guard let effect = state.machine.initTimedOut(id, limit: limit) else { return }
            perform([effect], &state, &actions)
        }
    }

    /// The process `id` has ended and been reaped.
    private func exited(_ id: WorkerID, _ exit: WorkerExit) {
        update { state, actions in
            guard let running = state.processes[id.slot], running.id == id else { return }
            state.processes[id.slot] = nil
            state.initTimeouts.removeValue(forKey: id.slot)?.cancel()
            runtimeAPI.unregister(prefix: running.prefix)
            let wasExpected = state.machine.isShuttingDown || state.machine.phase(ofSlot: id.slot) == .killed
            let effects = state.machine.exited(id, exit)
            if !wasExpected, !effects.contains(where: { if case .initFailed = $0 { true } else { false } }) {
                let function = configuration.function
                actions.append { printError("local-runner: \(function) worker \(id) (pid \(running.process.pid)) \(exit); starting a replacement") }
            }
            perform(effects, &state, &actions)
            if state.processes.isEmpty, state.machine.isShuttingDown {
                let waiters = state.drainWaiters
                state.drainWaiters.removeAll()
                actions.append { for waiter in waiters { waiter.resume() } }
            }
        }
    }

    private func invocationTimedOut(_ requestID: String) {
        update { state, actions in
            let effects = state.machine.timedOut(requestID)
            if let pid = state.holders[requestID], !effects.isEmpty {
                let function = configuration.function
                let limit = configuration.timeout.components.seconds
                actions.append {
                    printError("local-runner: \(function) worker (pid \(pid)) exceeded the \(limit) s timeout on \(requestID); killing it")
                }
            }
            perform(effects, &state, &actions)
        }
    }

    /// Starts the timer for the head of the queue's deadline, unless one runs or nothing waits.
    private func armQueueDeadline(_ state: inout State) {
        guard state.queueDeadline == nil, let deadline = state.machine.nextDeadline else { return }
        let delay = deadline - ContinuousClock.now
        // A millisecond late rather than early: the deadline has passed when the timer fires.
        state.queueDeadline = timers.scheduleTask(in: .milliseconds(max(0, delay.wholeMilliseconds) + 1)) { [weak self] in
            guard let self else { return }
            self.update { state, actions in
                state.queueDeadline = nil
                self.perform(state.machine.dropStale(now: .now), &state, &actions)
                self.armQueueDeadline(&state)
            }
        }
    }
}

// MARK: - Effects

extension WorkerPool {
    private func perform(_ effects: [WorkerPoolStateMachine.Effect], _ state: inout State, _ actions: inout Actions) {
        for effect in effects {
            switch effect {
            case .deliver(let invocation, let id):
                guard let poll = state.polls.removeValue(forKey: id) else { continue }
                let answer = hand(invocation, to: id, &state)
                actions.append { poll(answer) }
            case .complete(let requestID, let outcome):
                state.timeouts.removeValue(forKey: requestID)?.cancel()
                let reply = Reply(outcome: outcome, workerPID: state.holders.removeValue(forKey: requestID))
                if let caller = state.callers.removeValue(forKey: requestID) {
                    actions.append { caller(reply) }
                }
            case .releasePoll(let id):
                if let poll = state.polls.removeValue(forKey: id) {
                    actions.append { poll(.released) }
                }
            case .kill(let id):
                if let running = state.processes[id.slot], running.id == id {
                    let process = running.process
                    actions.append { process.kill() }
                }
            case .restart(let slot, let delay):
                state.restarts[slot] = timers.scheduleTask(in: .milliseconds(delay.wholeMilliseconds)) { [weak self] in
                    guard let self else { return }
                    self.launch(slot: slot)
                }
            case .initFailed(let id, let report, let exit, let attempt):
                switch state.startup {
                case .waiting(let continuation):
                    // While the runner starts, a start may fail for a passing reason (a database
                    // busy while every worker opens it at once) and is retried; a configuration
                    // error fails every attempt, and the runner reports it once and stops.
                    guard attempt >= Self.startupAttempts else { break }
                    let failure = WorkerStartupError(function: configuration.function, report: report, exit: exit)
                    state.startup = .failed(failure)
                    if let continuation { actions.append { continuation.resume(throwing: failure) } }
                case .failed:
                    break
                case .notStarted, .done:
                    let function = configuration.function
                    let reason = report.map { "\($0)" } ?? "no error reported"
                    actions.append { printError("local-runner: \(function) worker \(id) failed to initialise (\(reason)); it \(exit)") }
                }
            }
        }
    }

    /// Records that worker `id` holds `invocation`, starts its timeout, and says what its
    /// `next` answers: the invocation with its deadline.
    private func hand(_ invocation: WorkerInvocation, to id: WorkerID, _ state: inout State) -> NextAnswer {
        state.holders[invocation.requestID] = state.processes[id.slot]?.process.pid
        let timeout = configuration.timeout
        let requestID = invocation.requestID
        state.timeouts[requestID] = timers.scheduleTask(in: .milliseconds(timeout.wholeMilliseconds)) { [weak self] in
            guard let self else { return }
            self.invocationTimedOut(requestID)
        }
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + timeout.wholeMilliseconds
        return .invocation(invocation, deadline: deadline)
    }

    /// Ends ``start()`` once every slot has initialised.
    private func settleStartup(_ state: inout State, _ actions: inout Actions) {
        guard case .waiting(let continuation?) = state.startup, state.machine.initializedSlots.count == configuration.workers else { return }
        state.startup = .done
        actions.append { continuation.resume() }
    }
}
