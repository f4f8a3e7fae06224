// MARK: - Invocations

extension WorkerPoolStateMachine {
    /// A caller's invocation: to the least busy worker waiting in `next`, or to the back of the
    /// queue until `deadline`; refused with ``InvocationOutcome/queueFull`` when ``queueDepth``
    /// invocations already wait.
    mutating func submit(_ invocation: WorkerInvocation, deadline: ContinuousClock.Instant? = nil) -> Effect? {
        guard !isShuttingDown else { return .complete(requestID: invocation.requestID, .shuttingDown) }
        guard let ticket = takeWaitingPoll() else {
            guard queue.count < queueDepth else { return .complete(requestID: invocation.requestID, .queueFull) }
            queue.append(Waiting(invocation: invocation, deadline: deadline))
            return nil
        }
        hold(invocation.requestID, in: ticket.worker)
        return .deliver(invocation, to: ticket)
    }

    /// The pending `next` that takes the next invocation: of the worker with the fewest
    /// invocations in its loops, and of those, the one that has waited longest.
    private mutating func takeWaitingPoll() -> PollTicket? {
        var best: Worker?
        for worker in workers.values where worker.role == .current && worker.phase == .running {
            guard let oldest = worker.polls.first else { continue }
            if let chosen = best, (chosen.load, chosen.polls[0].number) <= (worker.load, oldest.number) { continue }
            best = worker
        }
        guard let id = best?.id else { return nil }
        return workers[id]?.polls.removeFirst()
    }

    private mutating func hold(_ requestID: String, in id: WorkerID) {
        workers[id]?.held.append(requestID)
        holders[requestID] = id
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

    // MARK: - The Runtime API

    /// A loop of worker `id` asks for its next invocation (`GET /runtime/invocation/next`).
    ///
    /// The first `next` of a worker ends its initialisation. A successor's `next` waits until
    /// every successor has asked; the last one's completes the replacement
    /// (``Effect/replaced(_:by:)``), and the effects then deliver to the waiting `next` calls,
    /// this one's included: the owner keeps its ticket before it carries them out. A retiring
    /// worker's `next` waits for nothing: it is never answered, and ends when the worker is killed.
    mutating func poll(from id: WorkerID) -> (decision: PollDecision, effects: [Effect]) {
        guard !isShuttingDown, let worker = workers[id], worker.phase != .killed else { return (.refuse, []) }
        if case .initializing = worker.phase {
            workers[id]?.phase = .running
            initializedSlots.insert(id.slot)
            failedStarts[id.slot] = 0
        }
        guard worker.load + worker.polls.count < concurrency else { return (.refuse, []) }
        pollCount += 1
        let ticket = PollTicket(worker: id, number: pollCount)
        guard worker.role == .current, !queue.isEmpty else {
            workers[id]?.polls.append(ticket)
            return (.wait(ticket), worker.role == .successor ? completeReplacement() : [])
        }
        let invocation = queue.removeFirst().invocation
        hold(invocation.requestID, in: id)
        return (.deliver(invocation), [])
    }

    /// Once every successor has asked for an invocation, each takes its slot over, the workers
    /// they replace retire (killed at once when they hold nothing), and queued invocations go to
    /// the successors' waiting `next` calls.
    mutating func completeReplacement() -> [Effect] {
        guard !successors.isEmpty, successors.values.allSatisfy({ workers[$0]?.phase == .running }) else { return [] }
        var effects: [Effect] = []
        for (slot, successor) in successors.sorted(by: { $0.key < $1.key }) {
            workers[successor]?.role = .current
            let replaced = current[slot]
            current[slot] = successor
            guard let replaced, workers[replaced] != nil else { continue }
            workers[replaced]?.role = .retiring
            effects.append(.replaced(replaced, by: successor))
            effects += killIfRetired(replaced)
        }
        successors.removeAll()
        return effects + dispatchQueue()
    }

    /// Queued invocations to waiting `next` calls, while there are both.
    mutating func dispatchQueue() -> [Effect] {
        var effects: [Effect] = []
        while !queue.isEmpty, let ticket = takeWaitingPoll() {
            let invocation = queue.removeFirst().invocation
            hold(invocation.requestID, in: ticket.worker)
            effects.append(.deliver(invocation, to: ticket))
        }
        return effects
    }

    /// `.kill` for a retiring worker whose callers all have their answers.
    private mutating func killIfRetired(_ id: WorkerID) -> [Effect] {
        guard let worker = workers[id], worker.role == .retiring, worker.held.isEmpty, worker.phase != .killed else { return [] }
        workers[id]?.phase = .killed
        return [.kill(id)]
    }

    /// The pending `next` went away without an answer (its connection closed).
    mutating func pollAbandoned(_ ticket: PollTicket) {
        workers[ticket.worker]?.polls.removeAll { $0 == ticket }
    }

    /// Worker `id` answers the invocation `requestID` with `outcome`: its response, or its error.
    /// An overdue invocation's answer is accepted and dropped: its caller has had its 504.
    mutating func answer(_ requestID: String, from id: WorkerID, with outcome: InvocationOutcome) -> AnswerDecision {
        guard let worker = workers[id] else { return .invalidState }
        if let index = worker.held.firstIndex(of: requestID) {
            workers[id]?.held.remove(at: index)
            holders[requestID] = nil
            return .accept([.complete(requestID: requestID, outcome)] + killIfRetired(id))
        }
        guard worker.phase != .killed, worker.overdue.contains(requestID) else { return .invalidRequestID }
        workers[id]?.overdue.remove(requestID)
        holders[requestID] = nil
        return .accept(killIfRetired(id))
    }

    /// The invocation's time is up: its caller gets ``InvocationOutcome/timedOut``. Its loop
    /// stays busy until the worker answers; a worker with every loop overdue is killed.
    /// Nothing, when it was answered meanwhile.
    mutating func timedOut(_ requestID: String) -> [Effect] {
        guard let id = holders[requestID], let index = workers[id]?.held.firstIndex(of: requestID) else { return [] }
        workers[id]?.held.remove(at: index)
        workers[id]?.overdue.insert(requestID)
        var effects: [Effect] = [.complete(requestID: requestID, .timedOut)]
        if let worker = workers[id], worker.overdue.count >= concurrency, worker.phase != .killed {
            workers[id]?.phase = .killed
            effects.append(.kill(id))
        } else {
            effects += killIfRetired(id)
        }
        return effects
    }

    /// Stops the pool: queued and held invocations fail with ``InvocationOutcome/shuttingDown``,
    /// pending `next` calls end, every worker is killed, and no slot restarts.
    mutating func shutDown() -> [Effect] {
        isShuttingDown = true
        var effects = queue.map { Effect.complete(requestID: $0.invocation.requestID, .shuttingDown) }
        queue.removeAll()
        for id in workers.keys.sorted(by: { ($0.slot, $0.generation) < ($1.slot, $1.generation) }) {
            guard let worker = workers[id] else { continue }
            effects += worker.held.map { .complete(requestID: $0, .shuttingDown) }
            effects += worker.polls.map { .releasePoll($0) }
            for requestID in worker.held { holders[requestID] = nil }
            workers[id]?.held.removeAll()
            workers[id]?.polls.removeAll()
            if worker.phase != .killed { effects.append(.kill(id)) }
            workers[id]?.phase = .killed
        }
        return effects
    }
}
