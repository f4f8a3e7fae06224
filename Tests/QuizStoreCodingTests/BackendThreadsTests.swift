import Foundation
import QuizStore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The backends' own threads: blocking jobs run there, in order, each thread with its own
/// resource, and the callers' threads stay free.
@Suite struct BackendThreadsTests {
    /// A resource that records which thread uses it and when it is released.
    final class Probe {
        let id: Int
        let released: Released?

        init(id: Int, released: Released? = nil) {
            self.id = id
            self.released = released
        }

        deinit { released?.ids.withLock { $0.append(id) } }
    }

    /// A counter shared by jobs.
    final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        private let highest = Atomic<Int>(0)
        /// Adds one and returns the new count.
        @discardableResult
        func next() -> Int {
            let now = value.wrappingAdd(1, ordering: .relaxed).newValue
            highest.max(now, ordering: .relaxed)
            return now
        }
        func decrement() { value.wrappingSubtract(1, ordering: .relaxed) }
        var current: Int { value.load(ordering: .relaxed) }
        /// The highest count it reached.
        var most: Int { highest.load(ordering: .relaxed) }
    }

    /// The ids of the probes released so far.
    final class Released: Sendable {
        let ids = Mutex<[Int]>([])
    }

    static func currentThread() -> UInt { UInt(pthread_self()) }

    /// Waits, without blocking a thread, until `condition` holds or 30 s have passed.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Six jobs block at once, each until a task on the cooperative pool lets them go, which it
    /// does only once all six have started. On the cooperative pool (a thread per core) they
    /// could never all start, and the task that frees them could never run; on six threads of
    /// the pool's own they do. No timing is measured: a failure is a 30 s timeout.
    @Test func blockingJobsRunOnThePoolsThreadsAtOnceWhileTheCallersThreadsStayFree() async throws {
        let opened = Atomic<Int>(0)
        let threads = BackendThreads<Probe>(maximumThreads: 6) { () throws(TableError) in
            Probe(id: opened.wrappingAdd(1, ordering: .relaxed).newValue)
        }
        let started = Counter()
        let gate = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: (UInt, Int, Bool).self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await threads.run { probe throws(TableError) in
                        started.next()
                        let released = gate.wait(timeout: .now() + 30) == .success
                        return (Self.currentThread(), probe.id, released)
                    }
                }
            }
            let opener = Task {
                let all = try await Self.eventually { started.current == 6 }
                for _ in 0..<6 { gate.signal() }
                return all
            }
            #expect(try await opener.value)
            var seen: [(UInt, Int, Bool)] = []
            for try await result in group { seen.append(result) }
            #expect(seen.filter { !$0.2 }.isEmpty)
            #expect(Set(seen.map(\.0)).count == 6)
            #expect(Set(seen.map(\.1)) == Set(1...6))
        }
        #expect(threads.threadCount == 6)
    }

    @Test func oneThreadRunsOneJobAtATimeWithItsOneResource() async throws {
        let threads = BackendThreads<Probe>(maximumThreads: 1, resources: [Probe(id: 7)]) { () throws(TableError) in Probe(id: -1) }
        let running = Counter()
        let results = try await withThrowingTaskGroup(of: (UInt, Int).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await threads.run { probe throws(TableError) in
                        running.next()
                        usleep(5_000)
                        running.decrement()
                        return (Self.currentThread(), probe.id)
                    }
                }
            }
            var all: [(UInt, Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 8)
        #expect(running.most == 1)
        #expect(Set(results.map(\.0)).count == 1)
        #expect(Set(results.map(\.1)) == [7])
        #expect(threads.threadCount == 1)
    }

    @Test func aFailedOpenFailsThatJobOnlyAndIsTriedAgain() async throws {
        let attempts = Atomic<Int>(0)
        let threads = BackendThreads<Probe>(maximumThreads: 1) { () throws(TableError) in
            let attempt = attempts.wrappingAdd(1, ordering: .relaxed).newValue
            if attempt == 1 { throw TableError(.backendFailure, "cannot open") }
            return Probe(id: attempt)
        }
        await #expect(throws: TableError(.backendFailure, "cannot open")) { try await threads.run { $0.id } }
        #expect(try await threads.run { $0.id } == 2)
        #expect(try await threads.run { $0.id } == 2)
        // A job's own error reaches its caller as it is.
        await #expect(throws: TableError.validation("no")) { try await threads.run { _ throws(TableError) -> Int in throw .validation("no") } }
    }

    @Test func runIfIdleRunsOnlyWhenAResourceIsFree() async throws {
        let threads = BackendThreads<Probe>(maximumThreads: 1) { () throws(TableError) in Probe(id: 1) }
        #expect(try await threads.runIfIdle { $0.id } == 1)
        let holding = Counter()
        let release = DispatchSemaphore(value: 0)
        // The holder starts from a thread of its own, not from the cooperative pool, which other
        // tests may keep busy for longer than `eventually` waits; it holds the resource until
        // released, or two minutes.
        let holder = Task(executorPreference: OwnThreadExecutor()) {
            try await threads.run { _ throws(TableError) in
                holding.next()
                _ = release.wait(timeout: .now() + 120)
            }
        }
        #expect(try await Self.eventually { holding.current > 0 })
        #expect(try await threads.runIfIdle { $0.id } == nil)
        release.signal()
        try await holder.value
        #expect(try await threads.runIfIdle { $0.id } == 1)
    }

    @Test func releasedPoolsEndTheirThreadsAndReleaseTheirResources() async throws {
        let released = Released()
        do {
            let threads = BackendThreads<Probe>(maximumThreads: 2, resources: [Probe(id: 10, released: released)]) {
                () throws(TableError) in Probe(id: 20, released: released)
            }
            // Two jobs at once, so that both threads and both resources are used.
            let both = Counter()
            let gate = DispatchSemaphore(value: 0)
            async let one: Int = threads.run { probe throws(TableError) in
                if both.next() == 2 { gate.signal() } else { _ = gate.wait(timeout: .now() + 30) }
                return probe.id
            }
            async let two: Int = threads.run { probe throws(TableError) in
                if both.next() == 2 { gate.signal() } else { _ = gate.wait(timeout: .now() + 30) }
                return probe.id
            }
            #expect(Set([try await one, try await two]) == [10, 20])
            #expect(released.ids.withLock { $0 }.isEmpty)
        }
        // The threads end (and drop their resources) shortly after the pool is released.
        let deadline = ContinuousClock.now + .seconds(10)
        while released.ids.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(released.ids.withLock { $0.sorted() } == [10, 20])
    }

    @Test func aCallerOnAThreadOfItsOwnRunsTheJobItselfWhenAResourceIsFree() async throws {
        let inline = BackendThreads<Probe>(maximumThreads: 1, runsOnCallersOwnThread: true) { () throws(TableError) in Probe(id: 1) }
        let handedOver = BackendThreads<Probe>(maximumThreads: 1) { () throws(TableError) in Probe(id: 2) }
        let executor = OwnThreadExecutor()
        let (caller, inlineThread, handedOverThread) = try await withTaskExecutorPreference(executor) {
            (Self.currentThread(), try await inline.run { _ in Self.currentThread() }, try await handedOver.run { _ in Self.currentThread() })
        }
        #expect(inlineThread == caller)
        #expect(inline.threadCount == 0)
        #expect(handedOverThread != caller)
        #expect(handedOver.threadCount == 1)
        // From the cooperative pool, the job is always handed over.
        let fromPool = try await inline.run { _ in Self.currentThread() }
        #expect(fromPool != caller)
        #expect(inline.threadCount == 1)
    }
}

/// A task executor with one thread of its own, as the Lambda runtime's invocation thread.
final class OwnThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [UnownedJob] = []

    init() {
        Thread { [self] in
            let executor = asUnownedTaskExecutor()
            while true {
                condition.lock()
                while pending.isEmpty { condition.wait() }
                let batch = pending
                pending.removeAll()
                condition.unlock()
                for job in batch { job.runSynchronously(on: executor) }
            }
        }.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        pending.append(job)
        condition.signal()
        condition.unlock()
    }
}
