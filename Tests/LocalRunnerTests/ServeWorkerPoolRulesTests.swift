import Foundation
import Testing

@testable import local_runner

/// The rules of a worker pool, without processes: who takes which invocation, and what a
/// crash, a timeout, a failed start or a shutdown means for each caller.
///
/// (`#expect` cannot call a mutating method, so each decision is taken first, then checked.)
@Suite("serve: worker pool rules")
struct ServeWorkerPoolRulesTests {
    static func invocation(_ id: String) -> WorkerInvocation {
        WorkerInvocation(requestID: id, event: Array("{}".utf8), traceID: "Root=1-00000000-000000000000000000000000")
    }

    static let response = InvocationOutcome.response(Data("{}".utf8))

    /// A pool of `count` started workers; the first `polling` of them wait in `next`, in slot order.
    static func pool(_ count: Int, polling: Int? = nil) -> (WorkerPoolStateMachine, [WorkerID]) {
        var machine = WorkerPoolStateMachine(slotCount: count)
        let ids = (0..<count).map { slot in
            let id = machine.nextWorkerID(slot: slot)
            machine.launched(id)
            return id
        }
        for id in ids.prefix(polling ?? count) {
            let decision = machine.poll(from: id)
            #expect(decision == .wait)
        }
        return (machine, ids)
    }

    @Test func invocationsGoToTheLongestWaitingWorkerAndWaitInOrderWhenAllAreBusy() {
        var (machine, workers) = Self.pool(2)
        let submitted = ["r1", "r2", "r3", "r4"].map { machine.submit(Self.invocation($0)) }
        #expect(submitted == [.deliver(Self.invocation("r1"), to: workers[0]), .deliver(Self.invocation("r2"), to: workers[1]), nil, nil])
        #expect(machine.queuedCount == 2)

        let secondAnswered = machine.answer("r2", from: workers[1], with: Self.response)
        let secondNext = machine.poll(from: workers[1])
        let firstAnswered = machine.answer("r1", from: workers[0], with: Self.response)
        let firstNext = machine.poll(from: workers[0])
        #expect(secondAnswered == .accept(.complete(requestID: "r2", Self.response)))
        #expect(secondNext == .deliver(Self.invocation("r3")))
        #expect(firstAnswered == .accept(.complete(requestID: "r1", Self.response)))
        #expect(firstNext == .deliver(Self.invocation("r4")))
        #expect(machine.queuedCount == 0)
    }

    @Test func aWorkerHoldsOneInvocationAndAnswersOnlyThatOne() {
        var (machine, workers) = Self.pool(2)
        _ = machine.submit(Self.invocation("r1"))
        let secondNext = machine.poll(from: workers[0])
        let unknownID = machine.answer("r9", from: workers[0], with: .timedOut)
        let otherWorker = machine.answer("r1", from: workers[1], with: .timedOut)
        let lateInitError = machine.initFailed(workers[0], report: FunctionErrorReport(errorType: "Late", errorMessage: ""))
        #expect(secondNext == .refuse, "a second next while holding r1")
        #expect(unknownID == .invalidRequestID)
        #expect(otherWorker == .invalidRequestID, "r1 is not worker 2's")
        #expect(lateInitError == false)
    }

    @Test func aCrashFailsOnlyTheCallerOfThatWorkerAndRestartsItsSlotAtOnce() {
        var (machine, workers) = Self.pool(2)
        _ = machine.submit(Self.invocation("r1"))
        _ = machine.submit(Self.invocation("r2"))
        let crash = machine.exited(workers[0], .signal(9))
        let survivorAnswers = machine.answer("r2", from: workers[1], with: Self.response)
        let cleanExit = machine.exited(workers[1], .status(0))
        #expect(crash == [.complete(requestID: "r1", .workerCrashed(.signal(9))), .restart(slot: 0, after: .zero)])
        #expect(survivorAnswers == .accept(.complete(requestID: "r2", Self.response)))
        #expect(cleanExit == [.restart(slot: 1, after: .zero)])
    }

    @Test func anIdleWorkerThatDiesHasItsPendingNextReleased() {
        var (machine, workers) = Self.pool(1)
        let crash = machine.exited(workers[0], .signal(9))
        let submitted = machine.submit(Self.invocation("r1"))
        #expect(crash == [.releasePoll(workers[0]), .restart(slot: 0, after: .zero)])
        #expect(submitted == nil, "nobody polls: the invocation waits for the replacement")
        #expect(machine.queuedCount == 1)
    }

    @Test func aTimeoutFailsTheCallerAndKillsTheWorkerWhoseExitThenFailsNobody() {
        var (machine, workers) = Self.pool(1)
        _ = machine.submit(Self.invocation("r1"))
        let timeout = machine.timedOut("r1")
        let lateAnswer = machine.answer("r1", from: workers[0], with: Self.response)
        let secondTimeout = machine.timedOut("r1")
        let exit = machine.exited(workers[0], .signal(9))
        #expect(timeout == [.complete(requestID: "r1", .timedOut), .kill(workers[0])])
        #expect(lateAnswer == .invalidRequestID, "too late: the caller already has its 504")
        #expect(secondTimeout == [])
        #expect(exit == [.restart(slot: 0, after: .zero)])
    }

    @Test func aReplacementIsANewGenerationAndItsPredecessorIsRefused() {
        var (machine, workers) = Self.pool(1)
        _ = machine.exited(workers[0], .signal(9))
        let replacement = machine.nextWorkerID(slot: 0)
        machine.launched(replacement)
        let oldNext = machine.poll(from: workers[0])
        let oldAnswer = machine.answer("r1", from: workers[0], with: .timedOut)
        let oldExit = machine.exited(workers[0], .signal(9))
        let newNext = machine.poll(from: replacement)
        #expect(replacement == WorkerID(slot: 0, generation: 1))
        #expect(oldNext == .refuse)
        #expect(oldAnswer == .invalidState)
        #expect(oldExit == [], "an old exit notice changes nothing")
        #expect(newNext == .wait)
    }

    @Test func aFailedStartFailsTheQueueOnlyWhileNoWorkerHasStarted() {
        let report = FunctionErrorReport(errorType: "ConfigurationError", errorMessage: "QUIZ_STORE_URL")
        var (machine, workers) = Self.pool(2, polling: 0)
        let queued = machine.submit(Self.invocation("r1"))
        let reported = machine.initFailed(workers[0], report: report)
        let failedStart = machine.exited(workers[0], .status(1))
        #expect(queued == nil)
        #expect(reported)
        #expect(failedStart == [
            .initFailed(workers[0], report, .status(1), attempt: 1), .complete(requestID: "r1", .notStarted),
            .restart(slot: 0, after: .milliseconds(250)),
        ])

        // Worker 2 starts and takes r2; r3 waits. Slot 1 fails again: r3 keeps waiting for worker 2.
        _ = machine.poll(from: workers[1])
        _ = machine.submit(Self.invocation("r2"))
        _ = machine.submit(Self.invocation("r3"))
        let retry = machine.nextWorkerID(slot: 0)
        machine.launched(retry)
        let secondFailedStart = machine.exited(retry, .status(1))
        #expect(secondFailedStart == [.initFailed(retry, nil, .status(1), attempt: 2), .restart(slot: 0, after: .milliseconds(500))])
        #expect(machine.queuedCount == 1)
    }

    @Test func aStartThatNeverAsksForAnInvocationIsKilledAndCountsAsFailed() {
        var (machine, workers) = Self.pool(1, polling: 0)
        let timeout = machine.initTimedOut(workers[0], limit: .seconds(10))
        let exit = machine.exited(workers[0], .signal(9))
        #expect(timeout == .kill(workers[0]))
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
        var (machine, workers) = Self.pool(3, polling: 2)
        for id in ["r1", "r2", "r3"] { _ = machine.submit(Self.invocation(id)) }
        let shutdown = machine.shutDown()
        let busyExit = machine.exited(workers[0], .signal(9))
        let startingExit = machine.exited(workers[2], .signal(9))
        let lateSubmit = machine.submit(Self.invocation("r4"))
        let lateNext = machine.poll(from: workers[1])
        #expect(shutdown == [
            .complete(requestID: "r3", .shuttingDown),
            .complete(requestID: "r1", .shuttingDown), .kill(workers[0]),
            .complete(requestID: "r2", .shuttingDown), .kill(workers[1]),
            .kill(workers[2]),
        ])
        #expect(busyExit == [])
        #expect(startingExit == [], "a worker killed while starting is no failed start")
        #expect(lateSubmit == .complete(requestID: "r4", .shuttingDown))
        #expect(lateNext == .refuse)
    }

    // MARK: - The queue's bound and deadline

    @Test func pastTheQueueDepthAnInvocationIsRefusedAtOnce() {
        var machine = WorkerPoolStateMachine(slotCount: 1, queueDepth: 2)
        let worker = machine.nextWorkerID(slot: 0)
        machine.launched(worker)
        _ = machine.poll(from: worker)
        let submitted = ["r1", "r2", "r3", "r4"].map { machine.submit(Self.invocation($0)) }
        #expect(submitted == [.deliver(Self.invocation("r1"), to: worker), nil, nil, .complete(requestID: "r4", .queueFull)])
        #expect(machine.queuedCount == 2)
    }

    @Test func queuedInvocationsPastTheirDeadlineOrWithdrawnAreDroppedBeforeAnyWorkerSeesThem() {
        var (machine, workers) = Self.pool(1)
        let start = ContinuousClock.now
        _ = machine.submit(Self.invocation("busy"))
        _ = machine.submit(Self.invocation("early"), deadline: start + .seconds(1))
        _ = machine.submit(Self.invocation("gone"), deadline: start + .seconds(5))
        _ = machine.submit(Self.invocation("live"), deadline: start + .seconds(5))
        #expect(machine.nextDeadline == start + .seconds(1))

        let beforeDeadline = machine.dropStale(now: start + .milliseconds(500))
        let atDeadline = machine.dropStale(now: start + .seconds(1))
        let withdrawn = machine.withdraw("gone")
        let withdrawnTwice = machine.withdraw("gone")
        let withdrawnRunning = machine.withdraw("busy")
        _ = machine.answer("busy", from: workers[0], with: Self.response)
        let next = machine.poll(from: workers[0])
        #expect(beforeDeadline == [])
        #expect(atDeadline == [.complete(requestID: "early", .queueTimedOut)])
        #expect(withdrawn == .complete(requestID: "gone", .callerGone))
        #expect(withdrawnTwice == nil)
        #expect(withdrawnRunning == nil, "a worker already holds it: it runs to its end")
        #expect(next == .deliver(Self.invocation("live")))
        #expect(machine.nextDeadline == nil)
    }

    @Test func aQueueOfDepthZeroOnlyTakesWhatAWaitingWorkerCanRunNow() {
        var (machine, workers) = Self.pool(1)
        let first = machine.submit(Self.invocation("r1"))
        let second = machine.submit(Self.invocation("r2"))
        #expect(first == .deliver(Self.invocation("r1"), to: workers[0]))
        #expect(second == nil, "the default queue is unbounded")
        var strict = WorkerPoolStateMachine(slotCount: 1, queueDepth: 0)
        let refused = strict.submit(Self.invocation("r3"))
        #expect(refused == .complete(requestID: "r3", .queueFull), "no worker has started, and nothing may wait")
    }
}
