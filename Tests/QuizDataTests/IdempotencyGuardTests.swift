import Foundation
import QuizStore
import QuizStoreSQLite
import QuizTestSupport
import Testing

@testable import QuizData

/// A SQLite file in a folder of its own, removed with the value.
final class ScratchStore: Sendable {
    let directory = TemporaryDirectory(prefix: "quiz-data")
    let store: SQLiteTableStore
    let tables = QuizTables()

    init() throws {
        var configuration = SQLiteTableStore.Configuration()
        configuration.currentTime = { IdempotencyGuardTests.now / 1000 }
        store = try SQLiteTableStore(path: "\(directory.path)/quiz.db", configuration: configuration)
    }
}

/// The guard against a real store: the conditions that let only the holder move a record out of
/// `IN_PROGRESS`, and whole runs.
@Suite("Idempotency guard")
struct IdempotencyGuardTests {
    static let now: Int64 = 1_800_000_000_000
    static let response = StoredResponse(statusCode: 200, body: #"{"n":1}"#, headers: ["location": "/x"])

    func guarded(_ scratch: ScratchStore) -> IdempotencyGuard {
        IdempotencyGuard(store: scratch.store, table: scratch.tables.idempotency, ttlSeconds: 86_400)
    }

    func record(_ scratch: ScratchStore, key: String = "k") async throws -> IdempotencyRecord? {
        IdempotencyRecord(try await scratch.store.get(Keys.idempotency("u", key), from: scratch.tables.idempotency), now: Self.now)
    }

    @Test("only the holder completes or releases a claim, and only while it is in progress")
    func onlyTheHolder() async throws {
        let scratch = try ScratchStore()
        let idempotency = guarded(scratch)
        let key = Keys.idempotency("u", "k")
        let claim = IdempotencyRecord(status: .inProgress, holder: "alice", fingerprint: "f", inProgressUntil: Self.now + 30_000)
        try await scratch.store.put(claim.item(key: key, now: Self.now, ttlSeconds: 86_400), into: scratch.tables.idempotency)

        // Another request, whose claim was taken over, cannot complete it or give it back.
        let intruder = IdempotencyGuard.Claim(key: key, holder: "bob", fingerprint: "f")
        let late = await #expect(throws: TableError.self) {
            try await scratch.store.transactWrite([idempotency.completion(of: intruder, response: Self.response, now: Self.now)])
        }
        #expect(late?.code == .transactionCanceled)
        #expect(await #expect(throws: TableError.self) {
            try await scratch.store.delete(key, from: scratch.tables.idempotency, if: IdempotencyRecord.held(by: "bob"))
        }?.code == .conditionFailed)
        #expect(try await record(scratch)?.status == .inProgress)

        // The holder completes it; after that not even the holder can release or overwrite it.
        let mine = IdempotencyGuard.Claim(key: key, holder: "alice", fingerprint: "f")
        try await scratch.store.transactWrite([idempotency.completion(of: mine, response: Self.response, now: Self.now)])
        #expect(await #expect(throws: TableError.self) {
            try await scratch.store.delete(key, from: scratch.tables.idempotency, if: IdempotencyRecord.held(by: "alice"))
        }?.code == .conditionFailed)
        let conflicting = StoredResponse(statusCode: 409, body: "{}")
        #expect(await #expect(throws: TableError.self) {
            try await scratch.store.transactWrite([idempotency.completion(of: mine, response: conflicting, now: Self.now)])
        }?.code == .transactionCanceled)
        #expect(try await record(scratch)?.response == Self.response)
    }

    @Test("a run claims, runs once, and a repeat replays the stored response with its headers")
    func runAndReplay() async throws {
        let scratch = try ScratchStore()
        let idempotency = guarded(scratch)
        var runs = 0
        let first = await idempotency.run(key: "k", userId: "u", fingerprint: "f", holder: "h1", now: Self.now, inProgressUntil: Self.now + 30_000) { _ in
            runs += 1
            return .answered(Self.response)
        }
        #expect(first == .respond(Self.response, replayed: false))
        let repeated = await idempotency.run(key: "k", userId: "u", fingerprint: "f", holder: "h2", now: Self.now, inProgressUntil: Self.now + 30_000) { _ in
            runs += 1
            return .answered(StoredResponse(statusCode: 500, body: ""))
        }
        #expect(repeated == .respond(Self.response, replayed: true))
        #expect(runs == 1)
        let other = await idempotency.run(key: "k", userId: "u", fingerprint: "g", holder: "h3", now: Self.now, inProgressUntil: Self.now + 30_000) { _ in
            runs += 1
            return .answered(Self.response)
        }
        #expect(other == .refuse(.idempotencyKeyMismatch))
        #expect(runs == 1)
    }

    @Test("a failed run gives the key back, so the retry runs")
    func failureReleases() async throws {
        let scratch = try ScratchStore()
        let idempotency = guarded(scratch)
        let failed = await idempotency.run(key: "k", userId: "u", fingerprint: "f", holder: "h1", now: Self.now, inProgressUntil: Self.now + 30_000) { _ in
            .failed
        }
        #expect(failed == .rethrow)
        #expect(try await record(scratch) == nil)
        let retried = await idempotency.run(key: "k", userId: "u", fingerprint: "f", holder: "h2", now: Self.now, inProgressUntil: Self.now + 30_000) { _ in
            .answered(Self.response)
        }
        #expect(retried == .respond(Self.response, replayed: false))
    }

    @Test("a claim whose holder's deadline passed is taken over; the old holder's late completion then fails")
    func takeover() async throws {
        let scratch = try ScratchStore()
        let idempotency = guarded(scratch)
        let key = Keys.idempotency("u", "k")
        let stale = IdempotencyRecord(status: .inProgress, holder: "dead", fingerprint: "f", inProgressUntil: Self.now - 1)
        try await scratch.store.put(stale.item(key: key, now: Self.now, ttlSeconds: 86_400), into: scratch.tables.idempotency)
        let ending = await idempotency.run(key: "k", userId: "u", fingerprint: "f", holder: "alive", now: Self.now, inProgressUntil: Self.now + 30_000) { claim in
            // The request's own transaction carries the completion, as a write path does.
            do {
                try await scratch.store.transactWrite([idempotency.completion(of: claim, response: Self.response, now: Self.now)])
                return .committed(Self.response)
            } catch {
                return .failed
            }
        }
        #expect(ending == .respond(Self.response, replayed: false))
        let dead = IdempotencyGuard.Claim(key: key, holder: "dead", fingerprint: "f")
        #expect(await #expect(throws: TableError.self) {
            try await scratch.store.transactWrite([idempotency.completion(of: dead, response: StoredResponse(statusCode: 200, body: "late"), now: Self.now)])
        }?.code == .transactionCanceled)
        #expect(try await record(scratch)?.holder == "alive")
    }
}

/// Plans: parts by name, cancellation reasons read back by part, never past their length.
@Suite("Write plans")
struct WritePlanTests {
    static let table = TableSchema(name: "users")

    static var plan: WritePlan {
        var plan = WritePlan()
        plan.add(.put(["pk": "u", "sk": "s"], into: table, if: .version(1)), as: .session)
        plan.add(.update(Key("u", "p"), in: table, [.add("n", 1)]), as: .progress)
        plan.add(.put(["pk": "u", "sk": "e"], into: table, if: .itemNotExists), as: .poolEntry)
        plan.add([.put(["pk": "u", "sk": "a"], into: table), .put(["pk": "u", "sk": "b"], into: table)], as: .poolIndex)
        plan.add(.put(["pk": "u", "sk": "k"], into: table, if: .itemExists), as: .idempotency)
        return plan
    }

    @Test("failed conditions are named by part")
    func failedParts() {
        let reasons: [CancellationReason] = [.none, .none, CancellationReason(code: .conditionFailed), .none, .none, CancellationReason(code: .conditionFailed)]
        #expect(Self.plan.failedParts(in: .transactionCanceled(reasons)) == [.poolEntry, .idempotency])
        #expect(Self.plan.reason(for: .poolEntry, in: .transactionCanceled(reasons))?.code == .conditionFailed)
        #expect(Self.plan.parts == [.session, .progress, .poolEntry, .poolIndex, .poolIndex, .idempotency])
        #expect(Self.plan.contains(.poolIndex) && !Self.plan.contains(.activeIndex))
    }

    @Test("reasons that do not line up with the writes name nothing", arguments: [0, 1, 5, 7, 100])
    func misaligned(count: Int) {
        let reasons = Array(repeating: CancellationReason(code: .conditionFailed), count: count)
        #expect(Self.plan.failedParts(in: .transactionCanceled(reasons)) == nil)
        #expect(Self.plan.reason(for: .session, in: .transactionCanceled(reasons)) == nil)
    }

    @Test("a new part is a name: nothing else changes")
    func newPart() {
        var plan = Self.plan
        plan.add(.put(["pk": "u", "sk": "m"], into: Self.table, if: .version(3)), as: WritePlan.Part("memory"))
        let reasons = Array(repeating: CancellationReason.none, count: 6) + [CancellationReason(code: .conditionFailed)]
        #expect(plan.failedParts(in: .transactionCanceled(reasons)) == [WritePlan.Part("memory")])
    }

    @Test("a request's attempts get distinct tokens under its own, within DynamoDB's 36 characters")
    func tokens() {
        var tokens = RequestTokens()
        let first = tokens.next(), second = tokens.next()
        #expect(first != second)
        #expect(first.value.hasPrefix(tokens.request + "-") && second.value.hasPrefix(tokens.request + "-"))
        #expect(first.value.count <= 36 && tokens.request.count == 24)
        #expect(tokens.issued(first.value) && tokens.issued(second.value) && !tokens.issued("other-1") && !tokens.issued(nil))
        #expect(RequestTokens().request != tokens.request)
    }
}
