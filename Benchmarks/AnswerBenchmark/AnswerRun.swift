import Foundation
import LambdaRuntime
import QuizFunctions

/// The measured loop: answers one after another, each through the raw-event path, a new session
/// (not measured) whenever one completes.
struct AnswerRun {
    let fixture: BenchmarkFixture
    /// Whether each answer carries an `Idempotency-Key` and `expectedVersion`, as `serve`'s
    /// learners send them (`--idempotency-keys`).
    var idempotencyKeys = false

    struct Result {
        var latencies: [Duration]
        var measured: Duration
        var wall: Duration
        var failures: Int
        /// CPU time the answering thread spent in the handler: what the answers cost when other
        /// processes compete for the cores and stretch the wall-clock figures.
        var cpu: Duration
        /// Answers that hopped threads, left out of `cpu`.
        var cpuSamplesLost: Int
    }

    /// The calling thread's CPU time.
    static func threadCPUTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(now.tv_sec) + .nanoseconds(now.tv_nsec)
    }

    /// Answers one after another on a thread of their own, as a Lambda bootstrap serves them.
    func measure(answers: Int) async throws -> Result {
        try await withTaskExecutorPreference(InvocationThread()) {
            try await measureHere(answers: answers)
        }
    }

    private func measureHere(answers: Int) async throws -> Result {
        let answer = AnswerFunction(environment: fixture.environment)
        var latencies: [Duration] = []
        latencies.reserveCapacity(answers)
        var failures = 0
        let clock = ContinuousClock()
        var session = try await fixture.startSession()
        let started = clock.now
        var measured = Duration.zero
        var cpu = Duration.zero
        var cpuSamplesLost = 0
        for index in 0..<answers {
            let event = try fixture.answerEvent(
                session: session, wrong: index % 4 == 3, idempotencyKey: idempotencyKeys ? "bench-answer-\(index)" : nil)
            // The CPU clock is read outside the timed span, so reading it costs the latencies nothing.
            let thread = pthread_self()
            let cpuBefore = Self.threadCPUTime()
            let before = clock.now
            let response = await answer.handle(event: event, context: InvocationContext(requestId: "bench-\(index)"))
            let elapsed = clock.now - before
            // Thread CPU time means something only if the handler ran on one thread throughout.
            if pthread_equal(thread, pthread_self()) != 0 { cpu += Self.threadCPUTime() - cpuBefore } else { cpuSamplesLost += 1 }
            latencies.append(elapsed)
            measured += elapsed
            guard let next = try fixture.follow(response, session: session) else {
                failures += 1
                session = try await fixture.startSession()
                continue
            }
            session = next.completed ? try await fixture.startSession() : next.session
        }
        return Result(latencies: latencies, measured: measured, wall: clock.now - started, failures: failures, cpu: cpu, cpuSamplesLost: cpuSamplesLost)
    }

    /// What a run of learners answering at the same time did.
    struct ConcurrentResult {
        var latencies: [Duration]
        var wall: Duration
        var failures: Int
        /// CPU time of the whole process over the measured span, every thread.
        var cpu: Duration
    }

    /// The process's CPU time, user and system, every thread.
    static func processCPUTime() -> Duration {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return .seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + .microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    /// `learners` learners, each with a pool of its own, answering at the same time in this one
    /// process, `answers` in all. Every session they use is started before the clock starts, so
    /// the measured span holds answers only: throughput is answers over its wall-clock time.
    func measureConcurrently(learners: Int, answers: Int) async throws -> ConcurrentResult {
        let answer = AnswerFunction(environment: fixture.environment)
        let perLearner = answers / learners
        var plans: [(fixture: BenchmarkFixture, sessions: [BenchmarkFixture.Session])] = []
        for index in 0..<learners {
            let learner = fixture.learner("bench-learner-\(index)")
            try await learner.seedPool()
            // Every session takes at least one answer per question (10), so this many are enough.
            var sessions: [BenchmarkFixture.Session] = []
            for _ in 0..<(perLearner / 10 + 1) { sessions.append(try await learner.startSession(reseed: false)) }
            plans.append((learner, sessions))
        }

        let clock = ContinuousClock()
        let cpuBefore = Self.processCPUTime()
        let started = clock.now
        let outcomes = try await withThrowingTaskGroup(of: (latencies: [Duration], failures: Int).self) { group in
            for (index, plan) in plans.enumerated() {
                group.addTask {
                    var latencies: [Duration] = []
                    latencies.reserveCapacity(perLearner)
                    var failures = 0
                    let client = try BenchmarkFixture.FastClient(plan.fixture)
                    var sessions = plan.sessions[...]
                    guard var session = sessions.popFirst() else { return (latencies, failures) }
                    for count in 0..<perLearner {
                        let event = client.event(session: session, wrong: count % 4 == 3, requestId: "bench-\(index)-\(count)")
                        let before = clock.now
                        let response = await answer.handle(event: event, context: InvocationContext(requestId: "bench-\(index)-\(count)"))
                        latencies.append(clock.now - before)
                        let next = client.follow(response, session: session)
                        if let next, !next.completed {
                            session = next.session
                            continue
                        }
                        if next == nil { failures += 1 }
                        guard let fresh = sessions.popFirst() else { break }
                        session = fresh
                    }
                    return (latencies, failures)
                }
            }
            var all: [(latencies: [Duration], failures: Int)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let wall = clock.now - started
        return ConcurrentResult(
            latencies: outcomes.flatMap(\.latencies), wall: wall, failures: outcomes.reduce(0) { $0 + $1.failures },
            cpu: Self.processCPUTime() - cpuBefore)
    }
}
