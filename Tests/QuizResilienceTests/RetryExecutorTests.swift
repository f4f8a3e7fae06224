import QuizResilience
import QuizStore
import Testing

@Suite struct RetryExecutorTests {
    let clock = ManualClock()
    let policy = RetryPolicy(base: .milliseconds(100), cap: .seconds(1), maximumAttempts: 5)

    func makeExecutor(
        policy: RetryPolicy? = nil, budget: RetryBudget.Configuration = .init(), circuitBreaker: CircuitBreaker? = nil,
        draws: [Double] = [1.0]
    ) -> RetryExecutor {
        RetryExecutor(
            policy: policy ?? self.policy, budget: budget, circuitBreaker: circuitBreaker, clock: clock, random: ScriptedRandom(draws))
    }

    /// An operation that fails with `error` for its first `failures` attempts, then returns 42; it counts its attempts.
    struct Script {
        var failures: Int
        var error: TableError
        var attempts = 0

        mutating func attempt() throws(TableError) -> Int {
            attempts += 1
            guard attempts > failures else { throw error }
            return 42
        }
    }

    // MARK: - Retries

    @Test func retriesUntilSuccessSleepingTheJitteredBackoff() async throws {
        let executor = makeExecutor(draws: [1.0, 0.5])
        var script = Script(failures: 2, error: .of(.busy))
        let value = try await executor.run { () throws(TableError) in try script.attempt() }
        #expect(value == 42)
        #expect(script.attempts == 3)
        // 1.0 × min(1 s, 100 ms × 2⁰), then 0.5 × min(1 s, 100 ms × 2¹).
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(100)])
        #expect(clock.now() == .milliseconds(200))
    }

    @Test func stopsAfterTheMaximumAttemptsWithTheLastError() async {
        let executor = makeExecutor()
        var script = Script(failures: .max, error: .of(.backendFailure))
        let error = await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try script.attempt() }
        }
        #expect(error?.code == .backendFailure)
        #expect(script.attempts == 5)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }

    @Test func backoffNeverExceedsTheCap() async {
        let executor = makeExecutor(policy: RetryPolicy(base: .milliseconds(100), cap: .milliseconds(250), maximumAttempts: 5))
        var script = Script(failures: .max, error: .of(.throttled))
        await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try script.attempt() }
        }
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(250), .milliseconds(250)])
    }

    @Test(arguments: [TableError.Code.conditionFailed, .validation, .itemTooLarge, .transactionCanceled, .unavailable])
    func nonRetryableErrorsAreThrownAfterOneAttempt(code: TableError.Code) async {
        let executor = makeExecutor()
        var script = Script(failures: .max, error: .of(code))
        let error = await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try script.attempt() }
        }
        #expect(error?.code == code)
        #expect(script.attempts == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(executor.availableRetryTokens == 500)
    }

    @Test func aCancelledTaskIsNotRetried() async {
        let executor = makeExecutor()
        // The call runs in a task of its own, which cancels itself in its first attempt; the
        // test's task stays uncancelled.
        let call = Task { () async -> (error: TableError?, attempts: Int) in
            var attempts = 0
            do throws(TableError) {
                _ = try await executor.run { () throws(TableError) -> Int in
                    attempts += 1
                    withUnsafeCurrentTask { $0?.cancel() }
                    throw .of(.timeout)
                }
                return (nil, attempts)
            } catch {
                return (error, attempts)
            }
        }
        let (error, attempts) = await call.value
        #expect(error?.code == .timeout)
        #expect(attempts == 1)
        #expect(clock.sleeps.isEmpty)
        #expect(executor.availableRetryTokens == 500)
    }

    @Test func runsTheOperationInTheCallersIsolation() async throws {
        let executor = makeExecutor()
        let session = SessionActor()
        #expect(try await session.loadWithRetries(using: executor) == 3)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
    }

    /// An actor whose retried operation reads and writes its own state synchronously, which
    /// compiles only because `run` executes the closure in the caller's isolation.
    actor SessionActor {
        var attempts = 0

        func loadWithRetries(using executor: RetryExecutor) async throws(TableError) -> Int {
            try await executor.run { () throws(TableError) -> Int in
                attempts += 1
                guard attempts == 3 else { throw .of(.connectionFailure) }
                return attempts
            }
        }
    }

    // MARK: - Budget

    @Test func anExhaustedBudgetStopsRetries() async {
        // 12 tokens pay for two retries at 5 each; the third retry finds 2 tokens and is refused.
        let executor = makeExecutor(policy: RetryPolicy(maximumAttempts: 10), budget: .init(capacity: 12))
        var first = Script(failures: .max, error: .of(.backendFailure))
        await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try first.attempt() }
        }
        #expect(first.attempts == 3)
        #expect(clock.sleeps.count == 2)
        #expect(executor.availableRetryTokens == 2)

        var second = Script(failures: .max, error: .of(.backendFailure))
        await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try second.attempt() }
        }
        #expect(second.attempts == 1)
        #expect(clock.sleeps.count == 2)
    }

    @Test func timeoutsDrainTheBudgetTwiceAsFast() async {
        let executor = makeExecutor(policy: RetryPolicy(maximumAttempts: 10), budget: .init(capacity: 25))
        var script = Script(failures: .max, error: .of(.timeout))
        await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try script.attempt() }
        }
        #expect(script.attempts == 3)
        #expect(executor.availableRetryTokens == 5)
    }

    @Test func successesRefundTheBudget() async throws {
        let executor = makeExecutor(policy: RetryPolicy(maximumAttempts: 3))
        var failing = Script(failures: .max, error: .of(.busy))
        await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try failing.attempt() }
        }
        #expect(executor.availableRetryTokens == 490)

        // A first-try success adds one token.
        _ = try await executor.run { () throws(TableError) in 1 }
        #expect(executor.availableRetryTokens == 491)

        // A success after one retry gives back the five tokens the retry paid, and nothing more.
        var flaky = Script(failures: 1, error: .of(.busy))
        var tokensDuringRetry: Int?
        _ = try await executor.run { () throws(TableError) in
            if flaky.attempts == 1 { tokensDuringRetry = executor.availableRetryTokens }
            return try flaky.attempt()
        }
        #expect(tokensDuringRetry == 486)
        #expect(executor.availableRetryTokens == 491)
    }

    // MARK: - Circuit breaker

    @Test func retriesStopAtABreakerThatTheirOwnFailuresOpened() async {
        let breaker = CircuitBreaker(configuration: .init(windowSize: 2, minimumCalls: 2), clock: clock)
        let executor = makeExecutor(circuitBreaker: breaker)
        var script = Script(failures: .max, error: .of(.connectionFailure))
        let error = await #expect(throws: TableError.self) {
            try await executor.run { () throws(TableError) in try script.attempt() }
        }
        // Two failed attempts trip the breaker (2 of 2 calls failed); the third attempt fails fast.
        #expect(error?.code == .unavailable)
        #expect(script.attempts == 2)
        #expect(breaker.state == .open(until: .milliseconds(100) + .seconds(5)))
    }
}
