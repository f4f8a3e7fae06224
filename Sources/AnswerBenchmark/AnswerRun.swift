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
        for index in 0..<answers {
            let event = try fixture.answerEvent(session: session, wrong: index % 4 == 3)
            let before = clock.now
            let response = await answer.handle(event: event, context: InvocationContext(requestId: "bench-\(index)"))
            let elapsed = clock.now - before
            latencies.append(elapsed)
            measured += elapsed
            guard let next = try fixture.follow(response, session: session) else {
                failures += 1
                session = try await fixture.startSession()
                continue
            }
            session = next.completed ? try await fixture.startSession() : next.session
        }
        return Result(latencies: latencies, measured: measured, wall: clock.now - started, failures: failures)
    }
}
