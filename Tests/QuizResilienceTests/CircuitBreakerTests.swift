import QuizResilience
import QuizStore
import Testing

@Suite struct CircuitBreakerTests {
    let clock = ManualClock(now: .seconds(100))

    @Test func defaultsAreDocumented() {
        let configuration = CircuitBreaker.Configuration()
        #expect(configuration.windowSize == 20)
        #expect(configuration.minimumCalls == 10)
        #expect(configuration.failureRateThreshold == 0.5)
        #expect(configuration.openDuration == .seconds(5))
        #expect(configuration.permittedProbes == 3)
    }

    @Test(arguments: [TableError.Code.backendFailure, .timeout, .connectionFailure, .throttled])
    func backendFaultsCountAsFailures(code: TableError.Code) {
        #expect(CircuitBreaker.outcome(of: .of(code)) == .failure)
    }

    @Test(arguments: [TableError.Code.busy, .conditionFailed, .transactionCanceled, .validation, .itemTooLarge, .unavailable])
    func answeredRequestsAndContentionCountAsSuccesses(code: TableError.Code) {
        #expect(CircuitBreaker.outcome(of: .of(code)) == .success)
    }

    /// Runs one call through the breaker that throws `error`, expecting that error back.
    func fail(_ breaker: CircuitBreaker, with error: TableError) async {
        let thrown = await #expect(throws: TableError.self) {
            try await breaker.run { () throws(TableError) in throw error }
        }
        #expect(thrown?.code == error.code)
    }

    @Test func refusedCallsFailFastWithUnavailableAndTheSecondsLeft() async throws {
        let breaker = CircuitBreaker(clock: clock)
        for _ in 0..<10 { await fail(breaker, with: .of(.timeout)) }
        #expect(breaker.state == .open(until: .seconds(105)))

        clock.advance(by: .milliseconds(1_500))
        var ran = false
        let error = await #expect(throws: TableError.self) {
            try await breaker.run { () throws(TableError) in ran = true }
        }
        #expect(error?.code == .unavailable)
        #expect(error?.retryAfter == 3.5)
        #expect(ran == false)
    }

    @Test func refusalsOfAHalfOpenBreakerCarryNoRetryAfter() throws {
        let breaker = CircuitBreaker(configuration: .init(minimumCalls: 1, permittedProbes: 2), clock: clock)
        breaker.record(.failure, for: try breaker.admit())
        clock.advance(by: .seconds(5))
        _ = try breaker.admit()
        _ = try breaker.admit()
        let error = #expect(throws: TableError.self) { try breaker.admit() }
        #expect(error?.code == .unavailable)
        #expect(error?.retryAfter == nil)
        #expect(breaker.state == .halfOpen)
    }

    @Test func conditionFailuresNeverTripTheBreaker() async {
        let breaker = CircuitBreaker(clock: clock)
        for _ in 0..<20 { await fail(breaker, with: .of(.conditionFailed)) }
        #expect(breaker.state == .closed)
    }

    @Test func reportsEachTransitionOnce() async throws {
        let transitions = Recorder<CircuitBreaker.StateMachine.Transition>()
        let breaker = CircuitBreaker(
            configuration: .init(windowSize: 4, minimumCalls: 4, permittedProbes: 1), clock: clock,
            onTransition: transitions.append)

        for _ in 0..<4 { await fail(breaker, with: .of(.backendFailure)) }
        clock.advance(by: .seconds(5))
        await fail(breaker, with: .of(.backendFailure))
        clock.advance(by: .seconds(5))
        try await breaker.run { () throws(TableError) in }

        #expect(transitions.elements == [.opened(until: .seconds(105)), .opened(until: .seconds(110)), .closed])
        #expect(breaker.state == .closed)
    }
}
