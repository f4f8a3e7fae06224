import Foundation
import QuizBootstrap

/// One function's workers: N processes of its bootstrap, each behind a Runtime API listener of
/// its own, fed one invocation at a time by ``WorkerPoolStateMachine``, whose effects this
/// actor carries out: it holds the callers' and the workers' continuations, the timeouts and
/// the processes.
///
/// A listener per process makes every Runtime API call name its worker, so a crash (the
/// process's exit) or a timeout (which kills the process) fails exactly the caller whose
/// invocation that worker held; a replacement then starts in the slot, with a new listener.
///
/// Should the runner itself be killed, its listeners close with it: each worker's next Runtime
/// API call fails, which ends a bootstrap (the Runtime API is gone for good), so no worker
/// outlives the runner even then.
actor WorkerPool {
    /// The pool's settings.
    nonisolated let configuration: Configuration
    /// The rules: who holds what.
    private var machine: WorkerPoolStateMachine
    /// The running process of each slot.
    private var processes: [Int: RunningWorker] = [:]
    /// Callers waiting for their invocation's outcome, by request id.
    private var callers: [String: CheckedContinuation<Reply, Never>] = [:]
    /// Workers' pending `next` calls.
    private var polls: [WorkerID: CheckedContinuation<NextAnswer, Never>] = [:]
    /// The pid of the worker holding each delivered invocation.
    private var holders: [String: Int32] = [:]
    /// The timeout of each delivered invocation.
    private var timeouts: [String: Task<Void, Never>] = [:]
    /// The initialisation limit of each slot's starting process.
    private var initTimeouts: [Int: Task<Void, Never>] = [:]
    /// Slots waiting to restart.
    private var restarts: [Int: Task<Void, Never>] = [:]
    /// Where ``start()`` is.
    private var startup: Startup = .notStarted
    /// ``shutDown()`` calls waiting for the last process to be reaped.
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []

    /// The current process of a slot, and the listener that serves it.
    private struct RunningWorker {
        var id: WorkerID
        var process: WorkerProcess
        var listener: RuntimeAPIListener
    }

    private enum Startup {
        case notStarted
        case waiting(CheckedContinuation<Void, any Error>?)
        case failed(WorkerStartupError)
        case done
    }

    /// How many starts in a row a slot may fail while the runner starts, before the runner
    /// gives up: 0.75 s of retries (``WorkerPoolStateMachine/restartDelay(afterFailedStarts:)``).
    static let startupAttempts = 3

    /// A pool; ``start()`` launches its workers.
    init(_ configuration: Configuration) {
        self.configuration = configuration
        machine = WorkerPoolStateMachine(slotCount: configuration.workers)
    }

    // MARK: - Lifecycle

    /// Launches every worker and returns once each has asked for its first invocation.
    ///
    /// - Throws: ``WorkerStartupError`` for the first slot whose worker failed to initialise
    ///   ``startupAttempts`` times in a row.
    func start() async throws {
        startup = .waiting(nil)
        for slot in 0..<configuration.workers {
            await launch(slot: slot)
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            if case .failed(let failure) = startup { return continuation.resume(throwing: failure) }
            startup = .waiting(continuation)
            settleStartup()
        }
    }

    /// Fails every invocation still waiting, kills every worker, and returns once each process
    /// has been reaped.
    func shutDown() async {
        perform(machine.shutDown())
        for task in restarts.values { task.cancel() }
        for task in initTimeouts.values { task.cancel() }
        if case .waiting(let continuation) = startup {
            continuation?.resume(throwing: CancellationError())
        }
        startup = .done
        guard !processes.isEmpty else { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    // MARK: - Callers

    /// Runs one invocation on the next free worker and waits for its outcome, however it ends.
    func invoke(_ event: Data, requestID: String) async -> Reply {
        await withCheckedContinuation { continuation in
            callers[requestID] = continuation
            if let effect = machine.submit(WorkerInvocation(requestID: requestID, event: event)) {
                perform([effect])
            }
        }
    }

    // MARK: - Runtime API

    /// `GET /runtime/invocation/next` from worker `id`: an invocation now, or once one arrives.
    func next(for id: WorkerID) async -> NextAnswer {
        let decision = machine.poll(from: id)
        settleStartup()
        switch decision {
        case .refuse:
            return .refused
        case .deliver(let invocation):
            return hand(invocation, to: id)
        case .wait:
            return await withTaskCancellationHandler {
                await withCheckedContinuation { polls[id] = $0 }
            } onCancel: {
                // The listener is stopping, or the worker's connection went away.
                Task { await self.abandonPoll(by: id) }
            }
        }
    }

    /// `POST /runtime/invocation/{requestID}/response` or `…/error` from worker `id`.
    func answer(_ requestID: String, from id: WorkerID, with outcome: InvocationOutcome) -> WorkerPoolStateMachine.AnswerDecision {
        let decision = machine.answer(requestID, from: id, with: outcome)
        if case .accept(let effect) = decision { perform([effect]) }
        return decision
    }

    /// `POST /runtime/init/error` from worker `id`; `false` once the worker has initialised.
    func reportInitError(from id: WorkerID, _ report: FunctionErrorReport) -> Bool {
        machine.initFailed(id, report: report)
    }

    // MARK: - Workers

    /// Starts a process in `slot` behind a new listener.
    private func launch(slot: Int) async {
        restarts[slot] = nil
        guard !machine.isShuttingDown else { return }
        let id = machine.nextWorkerID(slot: slot)
        machine.launched(id)
        let listener: RuntimeAPIListener
        let process: WorkerProcess
        do {
            listener = try await RuntimeAPIListener.start(for: id, of: self)
        } catch {
            return notLaunched(id, FunctionErrorReport(errorType: "Runtime.ListenerFailed", errorMessage: "\(error)"))
        }
        guard !machine.isShuttingDown else { return listener.stop() }
        do {
            let environment = WorkerEnvironment.variables(configuration.environment, runtimeAPIPort: listener.port)
            process = try WorkerProcess.launch(configuration.bootstrap, environment: environment) { exit in
                Task { await self.exited(id, exit) }
            }
        } catch {
            listener.stop()
            // Lambda's own name for a bootstrap it cannot run.
            let report = FunctionErrorReport(errorType: "Runtime.InvalidEntrypoint", errorMessage: "\(configuration.bootstrap.path): \(error)")
            return notLaunched(id, report)
        }
        processes[slot] = RunningWorker(id: id, process: process, listener: listener)
        if id.generation > 0 {
            printError("local-runner: \(configuration.function) worker \(id) replaced (pid \(process.pid))")
        }
        let limit = configuration.initTimeout
        initTimeouts[slot] = Task {
            do { try await Task.sleep(for: limit) } catch { return }
            self.initTimeoutElapsed(id, limit: limit)
        }
    }

    private func notLaunched(_ id: WorkerID, _ report: FunctionErrorReport) {
        _ = machine.initFailed(id, report: report)
        perform(machine.exited(id, .notLaunched))
    }

    private func initTimeoutElapsed(_ id: WorkerID, limit: Duration) {
        guard let effect = machine.initTimedOut(id, limit: limit) else { return }
        perform([effect])
    }

    /// The process `id` has ended and been reaped.
    private func exited(_ id: WorkerID, _ exit: WorkerExit) {
        guard let running = processes[id.slot], running.id == id else { return }
        processes[id.slot] = nil
        initTimeouts.removeValue(forKey: id.slot)?.cancel()
        let wasExpected = machine.isShuttingDown || machine.phase(ofSlot: id.slot) == .killed
        let effects = machine.exited(id, exit)
        if !wasExpected, !effects.contains(where: { if case .initFailed = $0 { true } else { false } }) {
            printError("local-runner: \(configuration.function) worker \(id) (pid \(running.process.pid)) \(exit); starting a replacement")
        }
        perform(effects)
        running.listener.stop()
        if processes.isEmpty, machine.isShuttingDown {
            for waiter in drainWaiters { waiter.resume() }
            drainWaiters.removeAll()
        }
    }

    private func abandonPoll(by id: WorkerID) {
        machine.pollAbandoned(by: id)
        polls.removeValue(forKey: id)?.resume(returning: .released)
    }

    private func invocationTimedOut(_ requestID: String) {
        let effects = machine.timedOut(requestID)
        if let pid = holders[requestID], !effects.isEmpty {
            let limit = configuration.timeout.components.seconds
            printError("local-runner: \(configuration.function) worker (pid \(pid)) exceeded the \(limit) s timeout on \(requestID); killing it")
        }
        perform(effects)
    }

    // MARK: - Effects

    private func perform(_ effects: [WorkerPoolStateMachine.Effect]) {
        for effect in effects {
            switch effect {
            case .deliver(let invocation, let id):
                polls.removeValue(forKey: id)?.resume(returning: hand(invocation, to: id))
            case .complete(let requestID, let outcome):
                timeouts.removeValue(forKey: requestID)?.cancel()
                let reply = Reply(outcome: outcome, workerPID: holders.removeValue(forKey: requestID))
                callers.removeValue(forKey: requestID)?.resume(returning: reply)
            case .releasePoll(let id):
                polls.removeValue(forKey: id)?.resume(returning: .released)
            case .kill(let id):
                if let running = processes[id.slot], running.id == id { running.process.kill() }
            case .restart(let slot, let delay):
                restarts[slot] = Task {
                    do { try await Task.sleep(for: delay) } catch { return }
                    await self.launch(slot: slot)
                }
            case .initFailed(let id, let report, let exit, let attempt):
                switch startup {
                case .waiting(let continuation):
                    // While the runner starts, a start may fail for a passing reason (a database
                    // busy while every worker opens it at once) and is retried; a configuration
                    // error fails every attempt, and the runner reports it once and stops.
                    guard attempt >= Self.startupAttempts else { break }
                    let failure = WorkerStartupError(function: configuration.function, report: report, exit: exit)
                    startup = .failed(failure)
                    continuation?.resume(throwing: failure)
                case .failed:
                    break
                case .notStarted, .done:
                    let reason = report.map { "\($0)" } ?? "no error reported"
                    printError("local-runner: \(configuration.function) worker \(id) failed to initialise (\(reason)); it \(exit)")
                }
            }
        }
    }

    /// Records that worker `id` holds `invocation`, starts its timeout, and says what its
    /// `next` answers: the invocation with its deadline.
    private func hand(_ invocation: WorkerInvocation, to id: WorkerID) -> NextAnswer {
        holders[invocation.requestID] = processes[id.slot]?.process.pid
        let timeout = configuration.timeout
        timeouts[invocation.requestID] = Task {
            do { try await Task.sleep(for: timeout) } catch { return }
            self.invocationTimedOut(invocation.requestID)
        }
        let deadline = Int64(Date().timeIntervalSince1970 * 1000) + timeout.wholeMilliseconds
        return .invocation(invocation, deadline: deadline)
    }

    /// Ends ``start()`` once every slot has initialised.
    private func settleStartup() {
        guard case .waiting(let continuation?) = startup, machine.initializedSlots.count == configuration.workers else { return }
        startup = .done
        continuation.resume()
    }
}
