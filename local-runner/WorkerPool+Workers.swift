import Foundation
import NIOCore

// MARK: - Workers

extension WorkerPool {
    /// Starts a new process as `slot`'s worker.
    func launch(slot: Int) {
        let id: WorkerID? = update { state, _ in
            state.restarts[slot] = nil
            guard !state.machine.isShuttingDown else { return nil }
            let id = state.machine.nextWorkerID(slot: slot)
            state.machine.launched(id)
            return id
        }
        if let id { spawn(id) }
    }

    /// Starts the process of worker `id`, already known to the state machine, under a new
    /// Runtime API prefix.
    func spawn(_ id: WorkerID) {
        let prefix = runtimeAPI.register(pool: self, worker: id)
        let environment = WorkerEnvironment.variables(
            configuration.environment, runtimeAPI: runtimeAPI.endpoint(prefix: prefix),
            logStream: "\(configuration.function)-\(id.slot + 1)-\(id.generation)")
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
        let isReplacement = update { state, actions in
            state.processes[id] = RunningWorker(id: id, process: process, prefix: prefix)
            // Killed while it was being started (shutdown, or a newer build): kill it now.
            if state.machine.worker(id).map({ $0.phase == .killed }) ?? true {
                actions.append { process.kill() }
                return false
            }
            let limit = configuration.initTimeout
            state.initTimeouts[id] = timers.scheduleTask(in: .milliseconds(limit.wholeMilliseconds)) { [weak self] in
                guard let self else { return }
                self.initTimeoutElapsed(id, limit: limit)
            }
            return state.machine.worker(id)?.role == .current
        }
        if id.generation > 0, isReplacement {
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
            state.initTimeouts.removeValue(forKey: id)?.cancel()
            guard let running = state.processes.removeValue(forKey: id) else { return }
            runtimeAPI.unregister(prefix: running.prefix)
            let worker = state.machine.worker(id)
            let wasExpected = state.machine.isShuttingDown || worker?.phase == .killed || worker?.role == .retiring
            let effects = state.machine.exited(id, exit)
            let failedToStart = effects.contains {
                switch $0 {
                case .initFailed, .replacementFailed: true
                default: false
                }
            }
            if !wasExpected, !failedToStart {
                let function = configuration.function
                let held = worker?.held.count ?? 0
                let failed = held == 0 ? "" : "; \(held) invocation\(held == 1 ? "" : "s") it held failed"
                let next = worker?.role == .current ? "; starting a replacement" : ""
                actions.append { printError("local-runner: \(function) worker \(id) (pid \(running.process.pid)) \(exit)\(failed)\(next)") }
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
                let killing = effects.contains { if case .kill = $0 { true } else { false } }
                let consequence = killing ? "; killing it" : ", which keeps its other invocations"
                actions.append {
                    printError("local-runner: \(function) worker (pid \(pid)) exceeded the \(limit) s timeout on \(requestID)\(consequence)")
                }
            }
            perform(effects, &state, &actions)
        }
    }

    /// Starts the timer for the head of the queue's deadline, unless one runs or nothing waits.
    func armQueueDeadline(_ state: inout State) {
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
    func perform(_ effects: [WorkerPoolStateMachine.Effect], _ state: inout State, _ actions: inout Actions) {
        var replaced = 0
        defer {
            if replaced > 0 {
                let line = "local-runner: \(configuration.function): \(replaced) worker(s) now run the new build; "
                    + "the ones they replaced stop once their invocations are answered"
                actions.append { printError(line) }
            }
        }
        for effect in effects {
            switch effect {
            case .deliver(let invocation, let ticket):
                guard let poll = state.polls.removeValue(forKey: ticket) else { continue }
                let answer = hand(invocation, to: ticket.worker, &state)
                actions.append { poll(answer) }
            case .complete(let requestID, let outcome):
                state.timeouts.removeValue(forKey: requestID)?.cancel()
                let reply = Reply(outcome: outcome, workerPID: state.holders.removeValue(forKey: requestID))
                if let caller = state.callers.removeValue(forKey: requestID) {
                    actions.append { caller(reply) }
                }
            case .releasePoll(let ticket):
                if let poll = state.polls.removeValue(forKey: ticket) {
                    actions.append { poll(.released) }
                }
            case .kill(let id):
                if let running = state.processes[id] {
                    let process = running.process
                    actions.append { process.kill() }
                }
            case .restart(let slot, let delay):
                state.restarts[slot] = timers.scheduleTask(in: .milliseconds(delay.wholeMilliseconds)) { [weak self] in
                    guard let self else { return }
                    self.launch(slot: slot)
                }
            case .launch(let id):
                actions.append { [weak self] in self?.spawn(id) }
            case .replaced:
                replaced += 1
            case .replacementFailed(let id, let report, let exit):
                let reason = report.map { "\($0)" } ?? "no error reported"
                let function = configuration.function
                actions.append {
                    printError("local-runner: the new \(function) worker \(id) failed to initialise (\(reason)); it \(exit); the previous workers keep serving")
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
    func hand(_ invocation: WorkerInvocation, to id: WorkerID, _ state: inout State) -> NextAnswer {
        state.holders[invocation.requestID] = state.processes[id]?.process.pid
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
    func settleStartup(_ state: inout State, _ actions: inout Actions) {
        guard case .waiting(let continuation?) = state.startup, state.machine.initializedSlots.count == configuration.workers else { return }
        state.startup = .done
        actions.append { continuation.resume() }
    }
}
