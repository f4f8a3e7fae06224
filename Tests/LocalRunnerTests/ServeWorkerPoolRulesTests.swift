import Foundation
import Testing

@testable import local_runner

/// The rules of a worker pool, without processes: who takes which invocation, and what a
/// crash, a timeout, a failed start or a shutdown means for each caller, with one loop per
/// worker (classic Lambda). ``ServeConcurrentPoolRulesTests`` has several loops, and
/// replacements.
///
/// (`#expect` cannot call a mutating method, so each decision is taken first, then checked.)
@Suite("serve: worker pool rules")
struct ServeWorkerPoolRulesTests {
    static func invocation(_ id: String) -> WorkerInvocation {
        WorkerInvocation(requestID: id, event: Array("{}".utf8), traceID: "Root=1-00000000-000000000000000000000000")
    }

    static let response = InvocationOutcome.response(Data("{}".utf8))

    @Test func invocationsGoToTheLongestWaitingWorkerAndWaitInOrderWhenAllAreBusy() {
        var pool = PoolScript(workers: 2)
        let submitted = ["r1", "r2", "r3", "r4"].map { pool.machine.submit(Self.invocation($0)) }
        #expect(submitted == [.deliver(Self.invocation("r1"), to: pool.tickets[0]), .deliver(Self.invocation("r2"), to: pool.tickets[1]), nil, nil])
        #expect(pool.machine.queuedCount == 2)

        let secondAnswered = pool.machine.answer("r2", from: pool.ids[1], with: Self.response)
        let secondNext = pool.poll(1)
        let firstAnswered = pool.machine.answer("r1", from: pool.ids[0], with: Self.response)
        let firstNext = pool.poll(0)
        #expect(secondAnswered == .accept([.complete(requestID: "r2", Self.response)]))
        #expect(secondNext == .deliver(Self.invocation("r3")))
        #expect(firstAnswered == .accept([.complete(requestID: "r1", Self.response)]))
        #expect(firstNext == .deliver(Self.invocation("r4")))
        #expect(pool.machine.queuedCount == 0)
    }

    @Test func aWorkerHoldsOneInvocationAndAnswersOnlyThatOne() {
        var pool = PoolScript(workers: 2)
        _ = pool.machine.submit(Self.invocation("r1"))
        let secondNext = pool.poll(0)
        let unknownID = pool.machine.answer("r9", from: pool.ids[0], with: .timedOut)
        let otherWorker = pool.machine.answer("r1", from: pool.ids[1], with: .timedOut)
        let lateInitError = pool.machine.initFailed(pool.ids[0], report: FunctionErrorReport(errorType: "Late", errorMessage: ""))
        #expect(secondNext == .refuse, "a second next while holding r1")
        #expect(unknownID == .invalidRequestID)
        #expect(otherWorker == .invalidRequestID, "r1 is not worker 2's")
        #expect(lateInitError == false)
    }

    @Test func aCrashFailsOnlyTheCallerOfThatWorkerAndRestartsItsSlotAtOnce() {
        var pool = PoolScript(workers: 2)
        _ = pool.machine.submit(Self.invocation("r1"))
        _ = pool.machine.submit(Self.invocation("r2"))
        let crash = pool.machine.exited(pool.ids[0], .signal(9))
        let survivorAnswers = pool.machine.answer("r2", from: pool.ids[1], with: Self.response)
        let cleanExit = pool.machine.exited(pool.ids[1], .status(0))
        #expect(crash == [.complete(requestID: "r1", .workerCrashed(.signal(9))), .restart(slot: 0, after: .zero)])
        #expect(survivorAnswers == .accept([.complete(requestID: "r2", Self.response)]))
        #expect(cleanExit == [.restart(slot: 1, after: .zero)])
    }

    @Test func anIdleWorkerThatDiesHasItsPendingNextReleased() {
        var pool = PoolScript(workers: 1)
        let crash = pool.machine.exited(pool.ids[0], .signal(9))
        let submitted = pool.machine.submit(Self.invocation("r1"))
        #expect(crash == [.releasePoll(pool.tickets[0]), .restart(slot: 0, after: .zero)])
        #expect(submitted == nil, "nobody polls: the invocation waits for the replacement")
        #expect(pool.machine.queuedCount == 1)
    }

    @Test func aTimeoutFailsTheCallerAndKillsTheWorkerWhoseExitThenFailsNobody() {
        var pool = PoolScript(workers: 1)
        _ = pool.machine.submit(Self.invocation("r1"))
        let timeout = pool.machine.timedOut("r1")
        let lateAnswer = pool.machine.answer("r1", from: pool.ids[0], with: Self.response)
        let secondTimeout = pool.machine.timedOut("r1")
        let exit = pool.machine.exited(pool.ids[0], .signal(9))
        #expect(timeout == [.complete(requestID: "r1", .timedOut), .kill(pool.ids[0])])
        #expect(lateAnswer == .invalidRequestID, "too late: the caller already has its 504, and the worker is being killed")
        #expect(secondTimeout == [])
        #expect(exit == [.restart(slot: 0, after: .zero)])
    }

    @Test func aReplacementIsANewGenerationAndItsPredecessorIsRefused() {
        var pool = PoolScript(workers: 1)
        _ = pool.machine.exited(pool.ids[0], .signal(9))
        let replacement = pool.machine.nextWorkerID(slot: 0)
        pool.machine.launched(replacement)
        let oldNext = pool.machine.poll(from: pool.ids[0]).decision
        let oldAnswer = pool.machine.answer("r1", from: pool.ids[0], with: .timedOut)
        let oldExit = pool.machine.exited(pool.ids[0], .signal(9))
        let newNext = pool.machine.poll(from: replacement).decision
        #expect(replacement == WorkerID(slot: 0, generation: 1))
        #expect(oldNext == .refuse)
        #expect(oldAnswer == .invalidState)
        #expect(oldExit == [], "an old exit notice changes nothing")
        #expect(newNext == .wait(PollTicket(worker: replacement, number: 2)))
    }

    @Test func aFailedStartFailsTheQueueOnlyWhileNoWorkerHasStarted() {
        let report = FunctionErrorReport(errorType: "ConfigurationError", errorMessage: "QUIZ_STORE_URL")
        var pool = PoolScript(workers: 2, polling: 0)
        let queued = pool.machine.submit(Self.invocation("r1"))
        let reported = pool.machine.initFailed(pool.ids[0], report: report)
        let failedStart = pool.machine.exited(pool.ids[0], .status(1))
        #expect(queued == nil)
        #expect(reported)
        #expect(failedStart == [
            .initFailed(pool.ids[0], report, .status(1), attempt: 1), .complete(requestID: "r1", .notStarted),
            .restart(slot: 0, after: .milliseconds(250)),
        ])

        // Worker 2 starts and takes r2; r3 waits. Slot 1 fails again: r3 keeps waiting for worker 2.
        _ = pool.poll(1)
        _ = pool.machine.submit(Self.invocation("r2"))
        _ = pool.machine.submit(Self.invocation("r3"))
        let retry = pool.machine.nextWorkerID(slot: 0)
        pool.machine.launched(retry)
        let secondFailedStart = pool.machine.exited(retry, .status(1))
        #expect(secondFailedStart == [.initFailed(retry, nil, .status(1), attempt: 2), .restart(slot: 0, after: .milliseconds(500))])
        #expect(pool.machine.queuedCount == 1)
    }

    @Test func aStartThatNeverAsksForAnInvocationIsKilledAndCountsAsFailed() {
        var pool = PoolScript(workers: 1, polling: 0)
        let timeout = pool.machine.initTimedOut(pool.ids[0], limit: .seconds(10))
        let exit = pool.machine.exited(pool.ids[0], .signal(9))
        #expect(timeout == .kill(pool.ids[0]))
        guard case .initFailed(_, let report, .signal(9), attempt: 1) = exit.first else {
            Issue.record("expected a failed start, got \(exit)")
            return
        }
        #expect(report?.errorType == "Runtime.InitTimeout")
    }

    @Test(arguments: [(0, Duration.zero), (1, .milliseconds(250)), (2, .milliseconds(500)), (5, .seconds(4)), (6, .seconds(8)), (40, .seconds(8))])
    func failedStartsBackOff(failures: Int, delay: Duration) {
        #expect(WorkerPoolStateMachine.restartDelay(afterFailedStarts: failures) == delay)
    }

    @Test func shutDownFailsEveryCallerKillsEveryWorkerAndRestartsNothing() {
        var pool = PoolScript(workers: 3, polling: 2)
        for id in ["r1", "r2", "r3"] { _ = pool.machine.submit(Self.invocation(id)) }
        let shutdown = pool.machine.shutDown()
        let busyExit = pool.machine.exited(pool.ids[0], .signal(9))
        let startingExit = pool.machine.exited(pool.ids[2], .signal(9))
        let lateSubmit = pool.machine.submit(Self.invocation("r4"))
        let lateNext = pool.machine.poll(from: pool.ids[1]).decision
        #expect(shutdown == [
            .complete(requestID: "r3", .shuttingDown),
            .complete(requestID: "r1", .shuttingDown), .kill(pool.ids[0]),
            .complete(requestID: "r2", .shuttingDown), .kill(pool.ids[1]),
            .kill(pool.ids[2]),
        ])
        #expect(busyExit == [])
        #expect(startingExit == [], "a worker killed while starting is no failed start")
        #expect(lateSubmit == .complete(requestID: "r4", .shuttingDown))
        #expect(lateNext == .refuse)
    }

    // MARK: - The queue's bound and deadline

    @Test func pastTheQueueDepthAnInvocationIsRefusedAtOnce() {
        var pool = PoolScript(workers: 1, queueDepth: 2)
        let submitted = ["r1", "r2", "r3", "r4"].map { pool.machine.submit(Self.invocation($0)) }
        #expect(submitted == [.deliver(Self.invocation("r1"), to: pool.tickets[0]), nil, nil, .complete(requestID: "r4", .queueFull)])
        #expect(pool.machine.queuedCount == 2)
    }

    @Test func queuedInvocationsPastTheirDeadlineOrWithdrawnAreDroppedBeforeAnyWorkerSeesThem() {
        var pool = PoolScript(workers: 1)
        let start = ContinuousClock.now
        _ = pool.machine.submit(Self.invocation("busy"))
        _ = pool.machine.submit(Self.invocation("early"), deadline: start + .seconds(1))
        _ = pool.machine.submit(Self.invocation("gone"), deadline: start + .seconds(5))
        _ = pool.machine.submit(Self.invocation("live"), deadline: start + .seconds(5))
        #expect(pool.machine.nextDeadline == start + .seconds(1))

        let beforeDeadline = pool.machine.dropStale(now: start + .milliseconds(500))
        let atDeadline = pool.machine.dropStale(now: start + .seconds(1))
        let withdrawn = pool.machine.withdraw("gone")
        let withdrawnTwice = pool.machine.withdraw("gone")
        let withdrawnRunning = pool.machine.withdraw("busy")
        _ = pool.machine.answer("busy", from: pool.ids[0], with: Self.response)
        let next = pool.poll(0)
        #expect(beforeDeadline == [])
        #expect(atDeadline == [.complete(requestID: "early", .queueTimedOut)])
        #expect(withdrawn == .complete(requestID: "gone", .callerGone))
        #expect(withdrawnTwice == nil)
        #expect(withdrawnRunning == nil, "a worker already holds it: it runs to its end")
        #expect(next == .deliver(Self.invocation("live")))
        #expect(pool.machine.nextDeadline == nil)
    }

    @Test func aQueueOfDepthZeroOnlyTakesWhatAWaitingWorkerCanRunNow() {
        var pool = PoolScript(workers: 1)
        let first = pool.machine.submit(Self.invocation("r1"))
        let second = pool.machine.submit(Self.invocation("r2"))
        #expect(first == .deliver(Self.invocation("r1"), to: pool.tickets[0]))
        #expect(second == nil, "the default queue is unbounded")
        var strict = WorkerPoolStateMachine(slotCount: 1, queueDepth: 0)
        let refused = strict.submit(Self.invocation("r3"))
        #expect(refused == .complete(requestID: "r3", .queueFull), "no worker has started, and nothing may wait")
    }
}

/// A state machine with started workers, and the tickets of the `next` calls they made.
struct PoolScript {
    var machine: WorkerPoolStateMachine
    /// The workers, by slot.
    var ids: [WorkerID]
    /// Every ticket a `next` got, in order.
    var tickets: [PollTicket] = []

    /// `workers` workers of `concurrency` loops; each of the first `polling` (all by default)
    /// calls `next` once per loop, worker by worker.
    init(workers: Int, concurrency: Int = 1, polling: Int? = nil, queueDepth: Int = .max) {
        machine = WorkerPoolStateMachine(slotCount: workers, queueDepth: queueDepth, concurrency: concurrency)
        var ids: [WorkerID] = []
        for slot in 0..<workers {
            let id = machine.nextWorkerID(slot: slot)
            machine.launched(id)
            ids.append(id)
        }
        self.ids = ids
        for slot in 0..<(polling ?? workers) {
            for _ in 0..<concurrency {
                let decision = poll(slot)
                guard case .wait = decision else {
                    Issue.record("a new worker's next was answered \(decision)")
                    continue
                }
            }
        }
    }

    /// Worker `slot` calls `next`; its ticket is kept when it waits.
    mutating func poll(_ slot: Int) -> WorkerPoolStateMachine.PollDecision {
        poll(ids[slot]).decision
    }

    /// Worker `id` calls `next`; its ticket is kept when it waits.
    mutating func poll(_ id: WorkerID) -> (decision: WorkerPoolStateMachine.PollDecision, effects: [WorkerPoolStateMachine.Effect]) {
        let result = machine.poll(from: id)
        if case .wait(let ticket) = result.decision { tickets.append(ticket) }
        return result
    }
}
