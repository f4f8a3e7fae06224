import QuizResilience
import QuizStore
import Testing

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(base: .milliseconds(100), cap: .seconds(1), maximumAttempts: 5)

    @Test func defaultsFollowTheSDKsStandardModeWithALambdaSizedCap() {
        let policy = RetryPolicy()
        #expect(policy.base == .milliseconds(25))
        #expect(policy.cap == .seconds(1))
        #expect(policy.maximumAttempts == 3)
        #expect(RetryPolicy.never.maximumAttempts == 1)
    }

    // MARK: - Full jitter

    @Test(
        "sleep = fraction × min(cap, base × 2^attempt)",
        arguments: [
            (attempt: 0, fraction: 1.0, expected: Duration.milliseconds(100)),
            (attempt: 0, fraction: 0.5, expected: .milliseconds(50)),
            (attempt: 0, fraction: 0.0, expected: .zero),
            (attempt: 1, fraction: 1.0, expected: .milliseconds(200)),
            (attempt: 2, fraction: 0.5, expected: .milliseconds(200)),
            (attempt: 3, fraction: 1.0, expected: .milliseconds(800)),
            (attempt: 3, fraction: 0.25, expected: .milliseconds(200)),
            // From attempt 4 on, 100 ms × 16 = 1.6 s is over the cap: the cap bounds the draw.
            (attempt: 4, fraction: 1.0, expected: .seconds(1)),
            (attempt: 4, fraction: 0.5, expected: .milliseconds(500)),
            (attempt: 9, fraction: 0.25, expected: .milliseconds(250)),
        ])
    func fullJitter(attempt: Int, fraction: Double, expected: Duration) {
        #expect(policy.backoff(afterAttempt: attempt, fraction: fraction) == expected)
    }

    @Test(arguments: [(0, Duration.milliseconds(100)), (1, .milliseconds(200)), (2, .milliseconds(400)), (3, .milliseconds(800)), (4, .seconds(1))])
    func ceilingDoublesUpToTheCap(attempt: Int, ceiling: Duration) {
        #expect(policy.backoffCeiling(afterAttempt: attempt) == ceiling)
    }

    @Test func ceilingOfAHugeAttemptIsTheCapInsteadOfAnOverflow() {
        #expect(policy.backoffCeiling(afterAttempt: 64) == .seconds(1))
        #expect(policy.backoffCeiling(afterAttempt: .max) == .seconds(1))
    }

    @Test func baseAboveTheCapIsCappedFromTheFirstRetry() {
        let policy = RetryPolicy(base: .seconds(3), cap: .seconds(2))
        #expect(policy.backoff(afterAttempt: 0, fraction: 1) == .seconds(2))
    }

    @Test(arguments: [(1.5, Duration.milliseconds(100)), (-0.5, .zero), (Double.nan, .zero)])
    func drawsOutsideTheUnitIntervalAreClamped(fraction: Double, expected: Duration) {
        #expect(policy.backoff(afterAttempt: 0, fraction: fraction) == expected)
    }

    @Test func backoffTakesItsFractionFromTheRandomSource() {
        let random = ScriptedRandom([0.5, 0.25])
        #expect(policy.backoff(afterAttempt: 1, using: random) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 1, using: random) == .milliseconds(50))
    }

    @Test func systemRandomSourceDrawsFromTheUnitInterval() {
        let random = SystemResilienceRandomSource()
        for _ in 0..<1_000 {
            #expect((0...1).contains(random.unitFraction()))
        }
    }

    // MARK: - Attempts

    @Test(arguments: [(3, [true, true, false]), (1, [false]), (0, [false]), (-2, [false])])
    func maximumAttemptsCountsTheFirstAttempt(maximumAttempts: Int, allowed: [Bool]) {
        let policy = RetryPolicy(maximumAttempts: maximumAttempts)
        #expect(allowed.indices.map { policy.allowsAttempt(after: $0) } == allowed)
    }

    // MARK: - Classification

    @Test(arguments: [TableError.Code.busy, .throttled, .backendFailure, .timeout, .connectionFailure])
    func transientErrorsAreRetryable(code: TableError.Code) {
        #expect(policy.isRetryable(TableError.of(code)))
    }

    @Test(arguments: [TableError.Code.conditionFailed, .validation, .itemTooLarge, .unavailable, .transactionCanceled])
    func answersAndOpenBreakersAreNotRetryable(code: TableError.Code) {
        #expect(!policy.isRetryable(TableError.of(code)))
    }

    @Test func transactionCancelledOnlyByConflictsIsRetryable() {
        let conflict = TableError.transactionCanceled([.none, CancellationReason(code: .transactionConflict)])
        let mixed = TableError.transactionCanceled([CancellationReason(code: .transactionConflict), CancellationReason(code: .conditionFailed)])
        #expect(policy.isRetryable(conflict))
        #expect(!policy.isRetryable(mixed))
    }
}
