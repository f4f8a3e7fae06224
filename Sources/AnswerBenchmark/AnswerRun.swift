import Foundation
import QuizFunctions

/// The measured loop: answers one after another, each through the raw-event path, a new session
/// (not measured) whenever one completes.
struct AnswerRun {
    let fixture: BenchmarkFixture

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

    func measure(answers: Int) async throws -> Result {
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
            let event = try fixture.answerEvent(session: session, wrong: index % 4 == 3)
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
}
