import QuizResilience
import QuizStore
import Testing

@Suite struct RetryBudgetTests {
    @Test func defaultsAreTheSDKsStandardMode() {
        let configuration = RetryBudget.Configuration()
        #expect(configuration.capacity == 500)
        #expect(configuration.retryCost == 5)
        #expect(configuration.timeoutRetryCost == 10)
        #expect(configuration.successReward == 1)
        #expect(RetryBudget().availableTokens == 500)
    }

    @Test(arguments: [
        (TableError.Code.busy, 5), (.throttled, 5), (.backendFailure, 5), (.connectionFailure, 5), (.timeout, 10),
    ])
    func aRetryCostsFiveTokensOrTenAfterATimeout(code: TableError.Code, cost: Int) {
        var budget = RetryBudget()
        #expect(budget.withdraw(forRetryAfter: TableError.of(code)) == cost)
        #expect(budget.availableTokens == 500 - cost)
    }

    @Test func aBucketThatCannotPayRefusesAndKeepsWhatItHas() {
        var budget = RetryBudget(configuration: .init(capacity: 12))
        let failure = TableError.of(.backendFailure)
        #expect(budget.withdraw(forRetryAfter: failure) == 5)
        #expect(budget.withdraw(forRetryAfter: failure) == 5)
        #expect(budget.availableTokens == 2)
        #expect(budget.withdraw(forRetryAfter: failure) == nil)
        #expect(budget.availableTokens == 2)
    }

    @Test func theDefaultBucketDrainsAfterExactlyOneHundredRetries() {
        var budget = RetryBudget()
        let failure = TableError.of(.busy)
        var paid = 0
        while budget.withdraw(forRetryAfter: failure) != nil { paid += 1 }
        #expect(paid == 100)
        #expect(budget.availableTokens == 0)
    }

    @Test func aSuccessAfterARetryRefundsWhatTheRetryPaid() {
        var budget = RetryBudget()
        let cost = budget.withdraw(forRetryAfter: TableError.of(.timeout))
        #expect(budget.availableTokens == 490)
        budget.deposit(afterSuccessWithLastRetryCost: cost)
        #expect(budget.availableTokens == 500)
    }

    @Test func aFirstTrySuccessAddsOneToken() {
        var budget = RetryBudget()
        _ = budget.withdraw(forRetryAfter: TableError.of(.busy))
        _ = budget.withdraw(forRetryAfter: TableError.of(.busy))
        #expect(budget.availableTokens == 490)
        budget.deposit(afterSuccessWithLastRetryCost: nil)
        #expect(budget.availableTokens == 491)
    }

    @Test func depositsNeverFillTheBucketPastItsCapacity() {
        var budget = RetryBudget()
        budget.deposit(afterSuccessWithLastRetryCost: nil)
        #expect(budget.availableTokens == 500)
        _ = budget.withdraw(forRetryAfter: TableError.of(.busy))
        budget.deposit(afterSuccessWithLastRetryCost: 10)
        #expect(budget.availableTokens == 500)
    }

    @Test func anUnlimitedBudgetAlwaysPays() {
        var budget = RetryBudget(configuration: .unlimited)
        var costs: [Int?] = []
        for _ in 0..<1_000 { costs.append(budget.withdraw(forRetryAfter: TableError.of(.timeout))) }
        #expect(costs == Array(repeating: 0, count: 1_000))
        budget.deposit(afterSuccessWithLastRetryCost: nil)
        #expect(budget.availableTokens == .max)
    }
}
