import Foundation
import QuizData
import QuizFunctions
import QuizHTTP
import QuizResilience
import QuizStoreDynamoDB
import QuizStore
import QuizTestSupport
import Testing

/// Every POST route with every fault at every store call it makes (docs/idempotency.md): the
/// store failing before a call, after it carried a call out (the reply lost to a dropped
/// connection or a stall past the timeout), answering 500, throttling, or slow. With the
/// resilience layer between the handlers and the faults, as deployed, and without it, so the
/// faults reach the handlers themselves.
///
/// Each time: the faulted request answers a success or 503 with `Retry-After` (the caller made no
/// mistake), nothing traps, and once the client has retried with the same key the request has
/// applied exactly once — and a retry of a request that succeeded gets the same response.
@Suite("Faults at every store call of every POST route")
struct FaultInjectionTests {
    enum Stack: String, Sendable, CaseIterable, CustomTestStringConvertible {
        /// Handlers over the faults: every fault reaches them.
        case bare
        /// Handlers over retries over the faults, as deployed.
        case resilient

        var testDescription: String { rawValue }

        func wrap(_ faults: FaultInjectingTableStore) -> any TableStore {
            switch self {
            case .bare: faults
            case .resilient:
                ResilientTableStore(
                    wrapping: faults, retryPolicy: RetryPolicy(base: .milliseconds(1), cap: .milliseconds(4), maximumAttempts: 3),
                    circuitBreaker: nil)
            }
        }
    }

    /// A fresh learner: the standard bank, a session of three questions, its first question served.
    static func fixture(_ backend: StoreBackend) async throws -> (harness: Harness, sessionId: String, questionId: String) {
        let harness = try await Harness(backend: backend)
        try await harness.importBank()
        let sessionId = try await harness.startSession(count: 3)
        let questionId = try #require(try await harness.currentQuestion(sessionId)["questionId"] as? String)
        return (harness, sessionId, questionId)
    }

    /// Runs `route` with `fault` at call `call` (`nil`: none), then retries with the same key
    /// until it applies, and checks the store.
    static func drive(
        _ route: FaultRoute, stack: Stack, fault: FaultInjectingTableStore.Fault?, call: Int, backend: StoreBackend
    ) async throws -> [FaultInjectingTableStore.Call] {
        let (harness, sessionId, questionId) = try await route.fixture(backend)
        let request = route.request(sessionId, questionId)
        let faults = FaultInjectingTableStore(
            wrapping: try harness.environment().store, schedule: fault.map { .call(call, $0) } ?? .none, delay: .milliseconds(20))
        let environment = try harness.environment { _ in stack.wrap(faults) }
        let first = await harness.send(route.function, request, on: environment)
        let label = "\(route.name), \(stack), \(fault.map { "\($0) at call \(call)" } ?? "no fault")"
        #expect(isAcceptableUnderFault(first), "\(label): \(first.status) \(first.body)")

        // The client retries with the same key until it gets a success; a key still held by the
        // faulted request is free once that request's deadline has passed.
        var applied = (200..<300).contains(first.status) ? first : nil
        var retries = 0
        while retries < 4 {
            let retry = try await harness.send(route.function, request)
            if retry.errorCode == "REQUEST_IN_PROGRESS" {
                #expect(retry.response.headers["retry-after"] != nil, "\(label): 409 without Retry-After")
                harness.clock.advance(seconds: 31)
            } else {
                #expect((200..<300).contains(retry.status), "\(label): retry answered \(retry.status) \(retry.body)")
                if let applied { #expect(retry.body == applied.body, "\(label): the retry's answer differs from the first") }
                applied = applied ?? retry
                break
            }
            retries += 1
        }
        let done = try #require(applied, "\(label): never applied")
        try await route.check(harness, sessionId, done)
        return faults.calls
    }

    @Test("SQLite: every fault at every store call of every POST route, with and without retries",
          arguments: FaultRoute.all, Stack.allCases)
    func everyCall(route: FaultRoute, stack: Stack) async throws {
        // The calls the route makes when nothing fails: each of them gets each fault in turn.
        let clean = try await Self.drive(route, stack: stack, fault: nil, call: 0, backend: .sqlite)
        #expect(!clean.isEmpty)
        for call in clean.indices {
            for fault in FaultInjectingTableStore.Fault.allCases {
                let seen = try await Self.drive(route, stack: stack, fault: fault, call: call, backend: .sqlite)
                #expect(seen.contains { $0.number == call && $0.fault == fault }, "\(route.name): call \(call) never came")
            }
        }
    }

    @Test("DynamoDB (moto): every fault at every write of every POST route, with retries", arguments: FaultRoute.all)
    func everyWrite(route: FaultRoute) async throws {
        let clean = try await Self.drive(route, stack: .resilient, fault: nil, call: 0, backend: .dynamoDB)
        let writes = clean.filter { $0.operation.writes }.map(\.number)
        #expect(!writes.isEmpty)
        for call in writes {
            for fault in FaultInjectingTableStore.Fault.allCases {
                _ = try await Self.drive(route, stack: .resilient, fault: fault, call: call, backend: .dynamoDB)
            }
        }
    }
}

extension FaultInjectionTests {
    /// The read routes, and the one GET that writes (serving the next question).
    static let reads: [(function: Harness.Function, path: @Sendable (String) -> String, user: String)] = [
        (.session, { "/sessions/\($0)" }, "learner-1"),
        (.quiz, { "/sessions/\($0)/question" }, "learner-1"),
        (.quiz, { _ in "/banks/bank-1/questions" }, "learner-1"),
        (.progress, { _ in "/users/me/progress" }, "learner-1"),
        (.answer, { _ in "/health" }, "learner-1"),
    ]

    @Test("SQLite: every fault at every store call of every GET route answers 200 or 503 with Retry-After", arguments: Stack.allCases)
    func everyRead(stack: Stack) async throws {
        for read in Self.reads {
            // Serving the next question writes: answer the first so a pick waits to be served.
            let (harness, sessionId, questionId) = try await Self.fixture(.sqlite)
            _ = try await harness.answer(sessionId, questionId: questionId, Bank.correct[questionId] ?? [])
            let request = Harness.request(.get, read.path(sessionId), user: read.user)
            let probe = FaultInjectingTableStore(wrapping: try harness.environment().store)
            let clean = await harness.send(read.function, request, on: try harness.environment { _ in probe })
            #expect(clean.status == 200, "\(request.path): \(clean.body)")
            for call in probe.calls.indices {
                for fault in FaultInjectingTableStore.Fault.allCases {
                    let faults = FaultInjectingTableStore(wrapping: try harness.environment().store, schedule: .call(call, fault), delay: .milliseconds(5))
                    let reply = await harness.send(read.function, request, on: try harness.environment { _ in stack.wrap(faults) })
                    let healthDegraded = request.path == "/health" && reply.status == 503
                    #expect(isAcceptableUnderFault(reply) || healthDegraded, "\(request.path), \(fault) at \(call): \(reply.status) \(reply.body)")
                }
            }
            // Whatever the faults did, the question served is one question, shown the same way after.
            let first = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
            let again = try await harness.send(.quiz, Harness.request(.get, "/sessions/\(sessionId)/question"))
            #expect(first.status == 200 && first.body == again.body)
        }
    }
}

extension FaultInjectionTests {
    /// A request without a key has no client retry to lean on: within its one invocation it must
    /// apply at most once, and when it answers a success, exactly once. Its own retries (the
    /// resilience layer's, and its recomputed attempts) must recognise a commit that landed.
    static func driveKeyless(
        _ route: FaultRoute, stack: Stack, fault: FaultInjectingTableStore.Fault?, call: Int, backend: StoreBackend,
        wire: (FaultProxy, FaultProxy.Fault, String)? = nil
    ) async throws -> [FaultInjectingTableStore.Call] {
        let (harness, sessionId, questionId) = try await route.fixture(backend)
        var request = route.request(sessionId, questionId)
        request.headers["idempotency-key"] = nil
        let faults = FaultInjectingTableStore(
            wrapping: try harness.environment().store, schedule: fault.map { .call(call, $0) } ?? .none, delay: .milliseconds(20))
        var environment = try harness.environment { _ in stack.wrap(faults) }
        if let (proxy, wireFault, target) = wire {
            var configuration = try #require(harness.dynamoDB)
            configuration.endpoint = proxy.endpoint
            configuration.requestTimeout = .milliseconds(700)
            let store = try DynamoDBTableStore(configuration: configuration)
            environment = try harness.environment { _ in stack.wrap(FaultInjectingTableStore(wrapping: store)) }
            try proxy.reset()
            try proxy.inject(wireFault, count: 1, target: target, delay: .milliseconds(1500))
        }
        let reply = await harness.send(route.function, request, on: environment)
        let label = "\(route.name) without a key, \(stack), \(fault.map { "\($0) at call \(call)" } ?? wire.map { "\($0.1) on \($0.2)" } ?? "no fault")"
        #expect(isAcceptableUnderFault(reply), "\(label): \(reply.status) \(reply.body)")
        let applied = try await route.applications(harness, sessionId)
        if (200..<300).contains(reply.status) {
            #expect(applied == 1, "\(label): answered \(reply.status), applied \(applied) times")
            try await route.check(harness, sessionId, reply)
        } else {
            #expect((0...1).contains(applied), "\(label): applied \(applied) times")
        }
        return faults.calls
    }

    @Test("SQLite, no key: every fault at every store call of every POST route applies at most once, exactly once on success",
          arguments: FaultRoute.all, Stack.allCases)
    func keyless(route: FaultRoute, stack: Stack) async throws {
        let clean = try await Self.driveKeyless(route, stack: stack, fault: nil, call: 0, backend: .sqlite)
        for call in clean.indices {
            for fault in FaultInjectingTableStore.Fault.allCases {
                _ = try await Self.driveKeyless(route, stack: stack, fault: fault, call: call, backend: .sqlite)
            }
        }
    }

    @Test("DynamoDB (moto), no key: a reply lost after the write reached moto is recognised, not applied twice",
          arguments: FaultRoute.all)
    func keylessOnTheWire(route: FaultRoute) async throws {
        let proxy = try FaultProxy(upstream: try MotoServer.shared())
        defer { proxy.stop() }
        for fault in [FaultProxy.Fault.dropAfterForwarding, .stallAfterForwarding] {
            _ = try await Self.driveKeyless(route, stack: .resilient, fault: nil, call: 0, backend: .dynamoDB, wire: (proxy, fault, "TransactWriteItems"))
        }
    }
}
