import Foundation
import QuizData
import QuizFunctions
import QuizHTTP
import QuizObservability
import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// The faults of the issue's report, on the wire: moto behind the fault proxy, which lets a
/// write reach moto and then drops the connection, or holds the reply past the client's timeout,
/// or fails the request before moto sees it. moto ignores `ClientRequestToken`, so the retry of a
/// transaction that landed fails its conditions: the handlers must recognise their own write.
@Suite("Wire faults on DynamoDB (moto behind the fault proxy)")
struct WireFaultTests {
    static let faults: [FaultProxy.Fault] = [.dropAfterForwarding, .stallAfterForwarding, .drop, .internalError, .throttling]

    @Test("every POST route with each wire fault on its writes: an honest answer, then exactly once", arguments: FaultRoute.all)
    func writes(route: FaultRoute) async throws {
        let proxy = try FaultProxy(upstream: try MotoServer.shared())
        defer { proxy.stop() }
        for fault in Self.faults {
            for target in ["PutItem", "TransactWriteItems"] {
                let (harness, sessionId, questionId) = try await route.fixture(.dynamoDB)
                var configuration = try #require(harness.dynamoDB)
                configuration.endpoint = proxy.endpoint
                configuration.requestTimeout = .seconds(1)
                let store = ResilientTableStore(
                    wrapping: try DynamoDBTableStore(configuration: configuration),
                    retryPolicy: RetryPolicy(base: .milliseconds(5), cap: .milliseconds(20), maximumAttempts: 3), circuitBreaker: nil)
                let environment = try harness.environment { _ in store }
                try proxy.reset()
                try proxy.inject(fault, count: 1, target: target, delay: .milliseconds(2500))
                let request = route.request(sessionId, questionId)
                let first = await harness.send(route.function, request, on: environment)
                let label = "\(route.name), \(fault) on \(target)"
                #expect(isAcceptableUnderFault(first), "\(label): \(first.status) \(first.body)")
                var applied = (200..<300).contains(first.status) ? first : nil
                for _ in 0..<6 where applied == nil {
                    let retry = await harness.send(route.function, request, on: environment)
                    if retry.errorCode == "REQUEST_IN_PROGRESS" {
                        harness.clock.advance(seconds: 31)
                        continue
                    }
                    // moto on a loaded machine can take longer than the client's timeout even
                    // without a fault: a 503 with Retry-After is an honest answer, tried again.
                    if retry.status == 503, isAcceptableUnderFault(retry) { continue }
                    #expect((200..<300).contains(retry.status), "\(label): retry answered \(retry.status) \(retry.body)")
                    if (200..<300).contains(retry.status) { applied = retry }
                }
                if let applied {
                    // The same allowance as above: a repeat that meets a slow moto may get an
                    // honest 503 with Retry-After; the first answer that is not one must be the
                    // stored response.
                    var replay = await harness.send(route.function, request, on: environment)
                    for _ in 0..<5 where replay.status == 503 && isAcceptableUnderFault(replay) {
                        replay = await harness.send(route.function, request, on: environment)
                    }
                    #expect(replay.body == applied.body, "\(label): a repeat gets the stored response")
                    try await route.check(harness, sessionId, applied)
                } else {
                    Issue.record("\(label): never applied")
                }
            }
        }
    }
}
