import Foundation
import QuizData
import QuizEngine
import QuizFunctions
import QuizHTTP
import QuizStore
import QuizTestSupport
import Testing

/// Every POST route of flashcard sessions with every fault at every store call it makes, with
/// and without the resilience layer (as `FaultInjectionTests` does for quiz sessions): the
/// faulted request answers a success or 503 with `Retry-After`, a retry with the same key
/// applies it exactly once, and a retry of a success gets the same response.
@Suite("Faults at every store call of the flashcard routes")
struct FlashcardFaultTests {
    /// A flashcard route: its request for the fixture's session, how often the store shows it
    /// applied, and whether the fixture's card is revealed before it runs.
    struct Route: Sendable, CustomTestStringConvertible {
        let name: String
        let function: Harness.Function
        let revealFirst: Bool
        let request: @Sendable (_ sessionId: String) -> HTTPRequestEvent
        let applications: @Sendable (_ harness: Harness, _ sessionId: String) async throws -> Int
        /// What the learner does in the session before the request (after the reveal, if any).
        var prepare: @Sendable (_ harness: Harness, _ sessionId: String) async throws -> Void = { _, _ in }
        var testDescription: String { name }
    }

    static func post(_ path: String, json: Any?, key: String) -> HTTPRequestEvent {
        Harness.request(.post, path, json: json, headers: ["idempotency-key": key])
    }

    static func state(_ harness: Harness, _ sessionId: String) async throws -> [String: Any] {
        try await harness.send(.session, Harness.request(.get, "/sessions/\(sessionId)")).object["session"] ?? [:]
    }

    static let routes: [Route] = [
        Route(
            name: "POST /sessions (flashcards)", function: .session, revealFirst: false,
            request: { _ in post("/sessions", json: ["bankId": "bank-1", "mode": "flashcards", "source": "list", "questionIds": ["q3"]], key: "start-cards") },
            applications: { harness, _ in
                let (items, counters) = try await FaultRoute.sessions(harness)
                #expect(counters?.int("sessions#started") == Int64(items.count), "the counters count every session once")
                return items.count - 1
            }),
        Route(
            name: "POST /sessions/{id}/reveal", function: .quiz, revealFirst: false,
            request: { post("/sessions/\($0)/reveal", json: nil, key: "reveal-1") },
            applications: { harness, sessionId in try await state(harness, sessionId)["version"] as? Int == 2 ? 1 : 0 }),
        Route(
            name: "POST /sessions/{id}/answer (rating)", function: .answer, revealFirst: true,
            request: { post("/sessions/\($0)/answer", json: ["questionId": "q1", "rating": "again"], key: "rate-1") },
            applications: { harness, sessionId in
                let session = try await state(harness, sessionId)
                #expect(session["version"] as? Int == 2 + (session["reviews"] as? Int ?? -9))
                return session["reviews"] as? Int ?? -1
            }),
        // q1 rated again, q2 good, then q1 an hour later: q1 leaves a due hour it holds alone, so
        // the rating's first attempt finds the decrement refused and the next deletes the hour.
        Route(
            name: "POST /sessions/{id}/answer (a later rating, the last of its due hour)", function: .answer, revealFirst: false,
            request: { post("/sessions/\($0)/answer", json: ["questionId": "q1", "rating": "good"], key: "rate-2") },
            applications: { harness, sessionId in
                let session = try await state(harness, sessionId)
                let environment = try harness.environment()
                try await HourBucketAudit.expectExact(environment)
                let (stored, buckets) = try await HourBucketAudit.read(environment)
                #expect(buckets.count == 2, "q1's new hour and q2's: \(buckets)")
                #expect(stored.map(\.state.reps).sorted() == [1, (session["reviews"] as? Int ?? 0) - 1])
                return (session["reviews"] as? Int ?? -1) - 2
            },
            prepare: { harness, sessionId async throws in
                #expect(try await harness.reveal(sessionId).status == 200)
                #expect(try await harness.rate(sessionId, "q1", rating: "again").status == 200)
                #expect(try await harness.reveal(sessionId).status == 200)
                #expect(try await harness.rate(sessionId, "q2", rating: "good").status == 200)
                harness.clock.advance(seconds: 3_600)
                #expect(try await harness.reveal(sessionId).status == 200)
            }),
        Route(
            name: "POST /sessions/{id}/complete (flashcards)", function: .session, revealFirst: true,
            request: { post("/sessions/\($0)/complete", json: [:] as [String: String], key: "complete-1") },
            applications: { harness, _ in Int(try await FaultRoute.sessions(harness).counters?.int("sessions#completed") ?? 0) }),
    ]

    static func drive(
        _ route: Route, stack: FaultInjectionTests.Stack, fault: FaultInjectingTableStore.Fault?, call: Int
    ) async throws -> [FaultInjectingTableStore.Call] {
        let harness = Harness()
        try await harness.importBank()
        // Two hours: room for a route that moves the clock by one.
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"], "timeLimitSeconds": 7_200])
        if route.revealFirst { _ = try await harness.reveal(sessionId) }
        try await route.prepare(harness, sessionId)
        let request = route.request(sessionId)
        let faults = FaultInjectingTableStore(
            wrapping: try harness.environment().store, schedule: fault.map { .call(call, $0) } ?? .none, delay: .milliseconds(20))
        let first = await harness.send(route.function, request, on: try harness.environment { _ in stack.wrap(faults) })
        let label = "\(route.name), \(stack), \(fault.map { "\($0) at call \(call)" } ?? "no fault")"
        #expect(isAcceptableUnderFault(first), "\(label): \(first.status) \(first.body)")
        var applied = (200..<300).contains(first.status) ? first : nil
        for _ in 0..<4 {
            let retry = try await harness.send(route.function, request)
            if retry.errorCode == "REQUEST_IN_PROGRESS" {
                harness.clock.advance(seconds: 31)
                continue
            }
            #expect((200..<300).contains(retry.status), "\(label): retry answered \(retry.status) \(retry.body)")
            if let applied { #expect(retry.body == applied.body, "\(label): the retry's answer differs from the first") }
            applied = applied ?? retry
            break
        }
        #expect(applied != nil, "\(label): never applied")
        #expect(try await route.applications(harness, sessionId) == 1, "\(label): not applied exactly once")
        return faults.calls
    }

    @Test("SQLite: every fault at every store call of every flashcard POST route, with and without retries",
          arguments: Self.routes, FaultInjectionTests.Stack.allCases)
    func everyCall(route: Route, stack: FaultInjectionTests.Stack) async throws {
        let clean = try await Self.drive(route, stack: stack, fault: nil, call: 0)
        #expect(!clean.isEmpty)
        for call in clean.indices {
            for fault in FaultInjectingTableStore.Fault.allCases {
                _ = try await Self.drive(route, stack: stack, fault: fault, call: call)
            }
        }
    }
}

extension FlashcardFaultTests {
    @Test("SQLite: every fault at every store call of the flashcard GET routes answers 200 or 503 with Retry-After",
          arguments: FaultInjectionTests.Stack.allCases)
    func everyRead(stack: FaultInjectionTests.Stack) async throws {
        let harness = Harness()
        try await harness.importBank()
        let sessionId = try await harness.startFlashcards(["source": "list", "questionIds": ["q1", "q2"]])
        _ = try await harness.reveal(sessionId)
        for (function, path) in [(Harness.Function.session, "/sessions/\(sessionId)"), (.quiz, "/sessions/\(sessionId)/question")] {
            let request = Harness.request(.get, path)
            let probe = FaultInjectingTableStore(wrapping: try harness.environment().store)
            let clean = await harness.send(function, request, on: try harness.environment { _ in probe })
            #expect(clean.status == 200, "\(path): \(clean.body)")
            for call in probe.calls.indices {
                for fault in FaultInjectingTableStore.Fault.allCases {
                    let faults = FaultInjectingTableStore(wrapping: try harness.environment().store, schedule: .call(call, fault), delay: .milliseconds(5))
                    let reply = await harness.send(function, request, on: try harness.environment { _ in stack.wrap(faults) })
                    #expect(isAcceptableUnderFault(reply), "\(path), \(fault) at \(call): \(reply.status) \(reply.body)")
                    if reply.status == 200 { #expect(reply.body == clean.body, "\(path): a read under faults shows the same") }
                }
            }
        }
    }
}
