import Foundation
import Testing

@testable import local_runner

/// The pool's rules with several loops per worker (`serve --concurrency`, Lambda Managed
/// Instances) and with workers replaced by a new build (`serve --watch`): without processes.
@Suite("serve: worker pool rules, several loops and replacements")
struct ServeConcurrentPoolRulesTests {
    static func invocation(_ id: String) -> WorkerInvocation { ServeWorkerPoolRulesTests.invocation(id) }
    static let response = ServeWorkerPoolRulesTests.response

    // MARK: - Several loops per worker

    @Test func eachWorkerTakesUpToItsLoopsTheLeastBusyFirst() {
        // Worker 1 waits with tickets 1-3, worker 2 with tickets 4-6.
        var pool = PoolScript(workers: 2, concurrency: 3)
        let submitted = (1...7).map { pool.machine.submit(Self.invocation("r\($0)")) }
        let t = pool.tickets
        #expect(submitted == [
            .deliver(Self.invocation("r1"), to: t[0]), .deliver(Self.invocation("r2"), to: t[3]),
            .deliver(Self.invocation("r3"), to: t[1]), .deliver(Self.invocation("r4"), to: t[4]),
            .deliver(Self.invocation("r5"), to: t[2]), .deliver(Self.invocation("r6"), to: t[5]), nil,
        ])
        let fourthLoop = pool.poll(0)
        let answered = pool.machine.answer("r3", from: pool.ids[0], with: Self.response)
        let next = pool.poll(0)
        #expect(fourthLoop == .refuse, "three invocations in three loops: a fourth next is one too many")
        #expect(answered == .accept([.complete(requestID: "r3", Self.response)]))
        #expect(next == .deliver(Self.invocation("r7")))
    }

    @Test func aCrashFailsExactlyTheInvocationsTheWorkerHeld() {
        var pool = PoolScript(workers: 2, concurrency: 2)
        for id in ["r1", "r2", "r3", "r4"] { _ = pool.machine.submit(Self.invocation(id)) }
        _ = pool.machine.answer("r1", from: pool.ids[0], with: Self.response)
        _ = pool.poll(0)
        let crash = pool.machine.exited(pool.ids[0], .signal(11))
        let survivor = ["r2", "r4"].map { pool.machine.answer($0, from: pool.ids[1], with: Self.response) }
        #expect(crash == [.complete(requestID: "r3", .workerCrashed(.signal(11))), .releasePoll(pool.tickets[4]), .restart(slot: 0, after: .zero)])
        #expect(survivor == [.accept([.complete(requestID: "r2", Self.response)]), .accept([.complete(requestID: "r4", Self.response)])])
    }

    @Test func aTimeoutFailsOnlyItsInvocationAndItsLoopStaysTakenUntilTheLateAnswer() {
        var pool = PoolScript(workers: 1, concurrency: 2)
        _ = pool.machine.submit(Self.invocation("r1"))
        _ = pool.machine.submit(Self.invocation("r2"))
        let timeout = pool.machine.timedOut("r1")
        let other = pool.machine.answer("r2", from: pool.ids[0], with: Self.response)
        let freeLoop = pool.poll(0)
        let busyLoop = pool.poll(0)
        let late = pool.machine.answer("r1", from: pool.ids[0], with: Self.response)
        let lateAgain = pool.machine.answer("r1", from: pool.ids[0], with: Self.response)
        let freedLoop = pool.poll(0)
        #expect(timeout == [.complete(requestID: "r1", .timedOut)], "the worker keeps r2 running")
        #expect(other == .accept([.complete(requestID: "r2", Self.response)]))
        #expect(freeLoop == .wait(pool.tickets[2]))
        #expect(busyLoop == .refuse, "r1's loop is still running it")
        #expect(late == .accept([]), "accepted, so the runtime goes on; its caller already had its 504")
        #expect(lateAgain == .invalidRequestID)
        #expect(freedLoop == .wait(pool.tickets[3]))
    }

    @Test func aWorkerWhoseEveryLoopIsOverdueIsKilledAndItsExitFailsNobody() {
        var pool = PoolScript(workers: 1, concurrency: 2)
        _ = pool.machine.submit(Self.invocation("r1"))
        _ = pool.machine.submit(Self.invocation("r2"))
        let first = pool.machine.timedOut("r1")
        let second = pool.machine.timedOut("r2")
        let exit = pool.machine.exited(pool.ids[0], .signal(9))
        #expect(first == [.complete(requestID: "r1", .timedOut)])
        #expect(second == [.complete(requestID: "r2", .timedOut), .kill(pool.ids[0])])
        #expect(exit == [.restart(slot: 0, after: .zero)])
    }

    @Test func withdrawnAndStaleInvocationsNeverReachAnyLoop() {
        var pool = PoolScript(workers: 1, concurrency: 2)
        let start = ContinuousClock.now
        _ = pool.machine.submit(Self.invocation("r1"))
        _ = pool.machine.submit(Self.invocation("r2"))
        _ = pool.machine.submit(Self.invocation("stale"), deadline: start + .seconds(1))
        _ = pool.machine.submit(Self.invocation("gone"), deadline: start + .seconds(5))
        _ = pool.machine.submit(Self.invocation("live"), deadline: start + .seconds(5))
        let withdrawn = pool.machine.withdraw("gone")
        let dropped = pool.machine.dropStale(now: start + .seconds(2))
        _ = pool.machine.answer("r2", from: pool.ids[0], with: Self.response)
        let next = pool.poll(0)
        #expect(withdrawn == .complete(requestID: "gone", .callerGone))
        #expect(dropped == [.complete(requestID: "stale", .queueTimedOut)])
        #expect(next == .deliver(Self.invocation("live")))
        #expect(pool.machine.queuedCount == 0)
    }

    @Test func aNextWhoseConnectionClosedIsForgottenAndFreesItsLoop() {
        var pool = PoolScript(workers: 1, concurrency: 2)
        pool.machine.pollAbandoned(pool.tickets[0])
        let submitted = pool.machine.submit(Self.invocation("r1"))
        let reconnected = pool.poll(0)
        #expect(submitted == .deliver(Self.invocation("r1"), to: pool.tickets[1]))
        #expect(reconnected == .wait(pool.tickets[2]), "the abandoned next's loop may ask again")
    }

    // MARK: - Replacing workers

    @Test func aSuccessorTakesOverWhenItAsksAndTheWorkerItReplacesRetiresAfterItsInvocations() {
        var pool = PoolScript(workers: 1, concurrency: 2)
        for id in ["r1", "r2", "r3"] { _ = pool.machine.submit(Self.invocation(id)) }
        let old = pool.ids[0]
        let successor = WorkerID(slot: 0, generation: 1)
        let replace = pool.machine.replaceWorkers()
        let takeOver = pool.poll(successor)
        let secondLoop = pool.poll(successor)
        let firstAnswer = pool.machine.answer("r1", from: old, with: Self.response)
        let parked = pool.poll(old)
        let fourth = pool.machine.submit(Self.invocation("r4"))
        let lastAnswer = pool.machine.answer("r2", from: old, with: Self.response)
        let exit = pool.machine.exited(old, .signal(9))
        #expect(replace == [.launch(successor)])
        #expect(takeOver.decision == .wait(pool.tickets[2]))
        #expect(takeOver.effects == [.replaced(old, by: successor), .deliver(Self.invocation("r3"), to: pool.tickets[2])],
            "the old worker still holds r1 and r2; the queued r3 goes to the new build")
        #expect(secondLoop.decision == .wait(pool.tickets[3]))
        #expect(firstAnswer == .accept([.complete(requestID: "r1", Self.response)]))
        #expect(parked.decision == .wait(pool.tickets[4]), "a retiring worker's next waits, for nothing")
        #expect(fourth == .deliver(Self.invocation("r4"), to: pool.tickets[3]), "never to the retiring worker")
        #expect(lastAnswer == .accept([.complete(requestID: "r2", Self.response), .kill(old)]))
        #expect(exit == [.releasePoll(pool.tickets[4])], "no restart: the slot has its new worker")
        #expect(pool.machine.phase(ofSlot: 0) == .running)
    }

    @Test func successorsTakeOverTogetherOnceAllHaveAskedAndIdleWorkersStopAtOnce() {
        var pool = PoolScript(workers: 2)
        let replace = pool.machine.replaceWorkers()
        let successors = [WorkerID(slot: 0, generation: 1), WorkerID(slot: 1, generation: 1)]
        let first = pool.poll(successors[0])
        let meanwhile = pool.machine.submit(Self.invocation("r1"))
        let second = pool.poll(successors[1])
        #expect(replace == successors.map { .launch($0) })
        #expect(first.effects == [], "the other successor has not asked yet")
        #expect(meanwhile == .deliver(Self.invocation("r1"), to: pool.tickets[0]), "until then the old workers serve")
        #expect(second.effects == [.replaced(pool.ids[0], by: successors[0]), .replaced(pool.ids[1], by: successors[1]), .kill(pool.ids[1])],
            "worker 1 still holds r1; worker 2 holds nothing")
        #expect(pool.machine.pendingReplacements == 0)
    }

    @Test func aSuccessorThatFailsToStartLeavesTheSlotToItsWorker() {
        let report = FunctionErrorReport(errorType: "ConfigurationError", errorMessage: "broken build")
        var pool = PoolScript(workers: 1)
        _ = pool.machine.replaceWorkers()
        let successor = WorkerID(slot: 0, generation: 1)
        let reported = pool.machine.initFailed(successor, report: report)
        let exit = pool.machine.exited(successor, .status(1))
        let submitted = pool.machine.submit(Self.invocation("r1"))
        #expect(reported)
        #expect(exit == [.replacementFailed(successor, report, .status(1))], "no restart, no failed caller")
        #expect(submitted == .deliver(Self.invocation("r1"), to: pool.tickets[0]))
        #expect(pool.machine.pendingReplacements == 0)
    }

    @Test func oneSuccessorFailingStopsTheOthersAndEveryOldWorkerKeepsServing() {
        var pool = PoolScript(workers: 2)
        _ = pool.machine.replaceWorkers()
        let successors = [WorkerID(slot: 0, generation: 1), WorkerID(slot: 1, generation: 1)]
        _ = pool.poll(successors[0])
        let failure = pool.machine.exited(successors[1], .signal(11))
        let readyExit = pool.machine.exited(successors[0], .signal(9))
        let submitted = ["r1", "r2"].map { pool.machine.submit(Self.invocation($0)) }
        #expect(failure == [.replacementFailed(successors[1], nil, .signal(11)), .kill(successors[0])])
        #expect(readyExit == [.releasePoll(pool.tickets[2])])
        #expect(submitted == [.deliver(Self.invocation("r1"), to: pool.tickets[0]), .deliver(Self.invocation("r2"), to: pool.tickets[1])])
    }

    @Test func aNewerBuildSupersedesASuccessorStillStarting() {
        var pool = PoolScript(workers: 1)
        let first = pool.machine.replaceWorkers()
        let second = pool.machine.replaceWorkers()
        let staleExit = pool.machine.exited(WorkerID(slot: 0, generation: 1), .signal(9))
        #expect(first == [.launch(WorkerID(slot: 0, generation: 1))])
        #expect(second == [.kill(WorkerID(slot: 0, generation: 1)), .launch(WorkerID(slot: 0, generation: 2))])
        #expect(staleExit == [])
        #expect(pool.machine.pendingReplacements == 1)
    }

    @Test func aWorkerThatDiesWhileItsSuccessorStartsHandsTheSlotOver() {
        var pool = PoolScript(workers: 1)
        _ = pool.machine.submit(Self.invocation("r1"))
        _ = pool.machine.submit(Self.invocation("r2"))
        _ = pool.machine.replaceWorkers()
        let successor = WorkerID(slot: 0, generation: 1)
        let crash = pool.machine.exited(pool.ids[0], .signal(9))
        let first = pool.poll(successor)
        #expect(crash == [.complete(requestID: "r1", .workerCrashed(.signal(9)))], "no restart: the successor is the slot's worker now")
        #expect(first.decision == .deliver(Self.invocation("r2")))
        #expect(first.effects == [])
    }

    @Test func shutDownKillsRetiringWorkersAndSuccessorsToo() {
        var pool = PoolScript(workers: 2)
        _ = pool.machine.submit(Self.invocation("r1"))
        _ = pool.machine.replaceWorkers()
        let successors = [WorkerID(slot: 0, generation: 1), WorkerID(slot: 1, generation: 1)]
        _ = pool.poll(successors[0])
        let shutdown = pool.machine.shutDown()
        #expect(shutdown == [
            .complete(requestID: "r1", .shuttingDown), .kill(pool.ids[0]), .releasePoll(pool.tickets[2]), .kill(successors[0]),
            .releasePoll(pool.tickets[1]), .kill(pool.ids[1]), .kill(successors[1]),
        ])
    }
}
