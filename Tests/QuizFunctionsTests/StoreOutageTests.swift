import Foundation
import QuizFunctions
import QuizHTTP
import QuizObservability
import QuizResilience
import QuizStore
import QuizStoreDynamoDB
import QuizTestSupport
import Testing

/// The functions on DynamoDB while DynamoDB fails: moto behind the fault-injecting proxy, the
/// store wrapped in retries and a circuit breaker as in production (one breaker per process, so
/// here one environment for every request).
@Suite("Handlers during a DynamoDB outage")
struct StoreOutageTests {
    @Test("a sustained outage opens the breaker: fast 503s with Retry-After, nothing half-written; recovery closes it")
    func outageAndRecovery() async throws {
        let harness = try await Harness(backend: .dynamoDB)
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 3)
        let question = try await harness.currentQuestion(sessionId)
        let questionId = try #require(question["questionId"] as? String)

        let proxy = try FaultProxy(upstream: try MotoServer.shared())
        defer { proxy.stop() }
        var configuration = try #require(harness.dynamoDB)
        configuration.endpoint = proxy.endpoint
        let openFor = Duration.seconds(3)
        let store = ResilientTableStore(
            wrapping: try DynamoDBTableStore(configuration: configuration),
            retryPolicy: RetryPolicy(base: .milliseconds(5), cap: .milliseconds(20), maximumAttempts: 2),
            circuitBreaker: CircuitBreaker.Configuration(
                windowSize: 10, minimumCalls: 4, failureRateThreshold: 0.5, openDuration: openFor, permittedProbes: 1))
        let clock = harness.clock
        let environment = QuizEnvironment(store: store, settings: harness.settings, logger: InvocationLogger(settings: harness.settings.logging, write: { _ in }), now: { clock.now })
        let answer = AnswerFunction(environment: environment)
        let progress = ProgressFunction(environment: environment)
        let context = InvocationContext(requestId: "outage")
        let answerRequest = Harness.request(
            .post, "/sessions/\(sessionId)/answer", json: ["questionId": questionId, "selectedAnswers": Bank.correct[questionId]!])
        let progressRequest = Harness.request(.get, "/users/learner-1/progress")

        // DynamoDB answers every request with 503.
        try proxy.inject(.unavailable, count: -1)
        let failed = await answer.handle(answerRequest, context: context)
        #expect(failed.statusCode == 503)
        #expect(Reply(response: failed).errorCode == "STORAGE_UNAVAILABLE")
        #expect(failed.headers["retry-after"] == "1")
        var reachedServer = try proxy.requests().count
        #expect(reachedServer >= 2, "the answer's read is retried")

        // The breaker opens after a few failed calls; from then on requests fail at once.
        var open: HTTPResponseEvent?
        for _ in 0..<10 {
            let response = await progress.handle(progressRequest, context: context)
            #expect(response.statusCode == 503)
            let seen = try proxy.requests().count
            if seen == reachedServer {
                open = response
                break
            }
            reachedServer = seen
        }
        let fast = try #require(open, "the breaker never opened")
        #expect(Reply(response: fast).errorCode == "STORAGE_UNAVAILABLE")
        let retryAfter = try #require(fast.headers["retry-after"].flatMap { Int($0) })
        #expect((1...3).contains(retryAfter))
        for _ in 0..<5 {
            #expect(await answer.handle(answerRequest, context: context).statusCode == 503)
        }
        #expect(try proxy.requests().count == reachedServer, "an open breaker sends nothing to DynamoDB")

        // DynamoDB recovers; after the open time a probe goes through, the breaker closes, and the
        // answer the outage refused applies now, once, on the session as it was.
        try proxy.reset()
        try await Task.sleep(for: openFor + .milliseconds(200))
        #expect(await progress.handle(progressRequest, context: context).statusCode == 200)
        #expect(store.circuitBreaker?.state == .closed)
        let accepted = Reply(response: await answer.handle(answerRequest, context: context))
        #expect(accepted.status == 200, "\(accepted.body)")
        #expect(accepted.json["version"] as? Int == 4, "answered (3), then served the next question (4)")
        let session = try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)"))
        #expect(session.object["session"]?["answersSubmitted"] as? Int == 1)
        #expect(session.object["session"]?["completedCount"] as? Int == 1)
        #expect(session.object["session"]?["version"] as? Int == 4)
    }
}
