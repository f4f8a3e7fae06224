import Foundation

/// What a chaos run measured, and every rule it found broken.
public struct ChaosReport: Sendable, CustomStringConvertible {
    public var configuration: ChaosConfiguration
    /// Answers the learners set out to give.
    public var answersAttempted = 0
    /// Answers that got a 200, after however many retries.
    public var answersAccepted = 0
    /// Answers refused for good, by error code (or status).
    public var answersRefused: [String: Int] = [:]
    /// Answers the client gave up on after its last retry.
    public var answersAbandoned = 0
    /// HTTP requests the clients sent, first tries and retries.
    public var requests = 0
    /// Of those, retries.
    public var retries = 0
    /// Responses by status (`-1`: no response at all).
    public var statuses: [Int: Int] = [:]
    /// Store calls that reached the fault layer, and the faults injected, by kind.
    public var storeCalls = 0
    public var faultsInjected: [String: Int] = [:]
    /// Worker processes that died or were replaced during the run.
    public var workersLost = 0
    /// Idempotency records still `IN_PROGRESS` at the end, and those that still refused a
    /// repeat once their holder's deadline had passed.
    public var claimsLeftOpen = 0
    public var keysBlockedPastDeadline = 0
    /// Wall-clock seconds of the learners' part.
    public var seconds = 0.0
    /// Every rule found broken, in words; empty for a clean run.
    public var violations: [String] = []

    /// Accepted answers over attempted ones.
    public var acceptedShare: Double { answersAttempted == 0 ? 0 : Double(answersAccepted) / Double(answersAttempted) }

    public var description: String {
        let faults = faultsInjected.keys.sorted().map { "\($0) \(faultsInjected[$0] ?? 0)" }.joined(separator: ", ")
        let statusList = statuses.keys.sorted().map { "\($0 == -1 ? "none" : String($0)) \(statuses[$0] ?? 0)" }.joined(separator: ", ")
        let refused = answersRefused.isEmpty ? "none" : answersRefused.keys.sorted().map { "\($0) \(answersRefused[$0] ?? 0)" }.joined(separator: ", ")
        let injected = faultsInjected.values.reduce(0, +)
        return """
            \(configuration.backendDescription): \(configuration.learners) learners × \(configuration.answersPerLearner) answers, \
            \(Int(configuration.faultRate * 100))% of store calls faulted, \(configuration.workers) workers per function
              answers: \(answersAccepted)/\(answersAttempted) accepted (\(String(format: "%.1f", acceptedShare * 100))%), \
            refused: \(refused), given up: \(answersAbandoned)
              requests: \(requests) (\(retries) retries); responses: \(statusList)
              store calls: \(storeCalls), faults injected: \(injected) (\(faults))
              workers lost: \(workersLost); claims left open: \(claimsLeftOpen), keys blocked past their deadline: \(keysBlockedPastDeadline)
              \(String(format: "%.1f", seconds)) s; \(violations.isEmpty ? "every check held" : "\(violations.count) violations:\n    " + violations.prefix(20).joined(separator: "\n    "))
            """
    }
}
