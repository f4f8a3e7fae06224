import ChaosRun
import Foundation
import QuizTestSupport
import Testing

/// The chaos run at CI size (`make bench-chaos` runs it larger): 20 learners answering at once
/// through `local-runner serve`, 10% of the store calls failing, on SQLite through the
/// fault-injecting bootstrap and on DynamoDB (moto) through the fault proxy. Every rule of
/// ``ChaosRun`` must hold; the figures go to the test's output.
@Suite("Chaos: learners through serve while the store fails", .serialized)
struct ChaosTests {
    /// The executables beside the test bundle: `local-runner`, the bootstraps, `ChaosBootstrap`.
    static let executables = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

    @Test("20 learners, 10% of store calls faulted: ≥95% accepted, each exactly once, counters true, no key blocked, no worker lost",
          arguments: StoreBackend.allCases)
    func chaos(backend: StoreBackend) async throws {
        let directory = TemporaryDirectory(prefix: "quiz-chaos")
        let folder = directory.path
        var configuration = ChaosConfiguration(backend: backend)
        configuration.learners = 20
        configuration.answersPerLearner = 5
        let report = try await ChaosRun.run(configuration, executables: Self.executables, folder: folder)
        print(report)
        #expect(report.violations.isEmpty, "\(report)")
        #expect(report.answersAttempted >= 90)
        #expect(report.acceptedShare >= 0.95)
        #expect(report.faultsInjected.values.reduce(0, +) > 0, "the run injected no faults")
        #expect(report.workersLost == 0)
        #expect(report.keysBlockedPastDeadline == 0)
    }
}
