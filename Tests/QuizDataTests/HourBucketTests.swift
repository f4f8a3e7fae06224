import QuizEngine
import QuizStore
import QuizTestSupport
import Testing

@testable import QuizData

/// The due-hour buckets a review takes its question out of (docs/memory-model.md, "How it is
/// stored"): decremented while they keep other questions, deleted with their last one, in the
/// review's own transaction and never by a read on the common path.
@Suite("Memory: due-hour buckets leave with their last question")
struct HourBucketTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    static let start = IdempotencyGuardTests.now
    static let q1 = QuestionRef(bankId: "b", questionId: "q1")
    static let q2 = QuestionRef(bankId: "b", questionId: "q2")

    func data(_ scratch: ScratchStore) -> LearnerData {
        LearnerData(store: scratch.store, tables: scratch.tables, sessionRetentionSeconds: 0)
    }

    /// The plan of one review of `ref` at `time`, from the memory as stored.
    func plan(
        _ data: LearnerData, _ ref: QuestionRef, at time: Int64, category: String? = "c", hours: HourBucketHints = HourBucketHints()
    ) async throws -> WritePlan {
        var plan = WritePlan()
        var random = SeededRandomGenerator(seed: 1)
        let read = try await data.memoryForReview(of: "u", question: ref)
        data.addReview(read, rating: .good, at: time, category: category, userId: "u", hours: hours, using: &random, to: &plan)
        return plan
    }

    /// The writes of `part` in `plan`.
    func writes(_ plan: WritePlan, _ part: WritePlan.Part) -> [TransactionWrite] {
        zip(plan.writes, plan.parts).filter { $0.1 == part }.map(\.0)
    }

    /// The learner's `MEMHOUR#` items, by sort key.
    func buckets(_ scratch: ScratchStore) async throws -> [String: Item] {
        let items = try await scratch.store.queryAll(Query(scratch.tables.users, partition: "USER#u", sortKey: .beginsWith("MEMHOUR#")))
        return Dictionary(uniqueKeysWithValues: items.map { ($0.string("sk") ?? "", $0) })
    }

    /// Commits `plan`, which must land.
    func commit(_ data: LearnerData, _ plan: WritePlan) async throws {
        guard case .committed = try await data.commit(plan, token: nil) else {
            Issue.record("the plan did not commit")
            return
        }
    }

    @Test("a first review leaves no hour; a review to another hour leaves the old one on n > 1, or deletes it on the complement")
    func planParts() async throws {
        let scratch = try ScratchStore()
        let data = data(scratch)
        let first = try await plan(data, Self.q1, at: Self.start)
        #expect(writes(first, .memoryHourLeave).isEmpty && writes(first, .memoryHourEmpty).isEmpty)
        #expect(writes(first, .memoryCounters).count == 1)
        try await commit(data, first)
        let stored = try #require(try await data.memoryForReview(of: "u", question: Self.q1).stored)
        let oldHour = MemoryRecord.hourKey("u", category: "c", hour: Days.hourNumber(try #require(stored.state.dueAt)))

        // Three days later: the question leaves the hour it was due in, which may keep others.
        let later = try await plan(data, Self.q1, at: Self.start + 3 * Self.day)
        let leave = writes(later, .memoryHourLeave)
        #expect(leave.count == 1)
        guard case .update(let key, _, let actions, let condition)? = leave.first else { throw Failure("not an update: \(leave)") }
        #expect(key == oldHour)
        #expect(condition == .compare("n", .greaterThan, .int(1)))
        #expect(actions.contains(.add("n", Number(-1))))
        #expect(writes(later, .memoryHourEmpty).isEmpty)
        #expect(writes(later, .memoryCounters).count == 1, "the hour it joins")

        // Once an attempt found the hour holding only this question, the hour is deleted on the complement.
        var hours = HourBucketHints()
        hours.learn(from: [.memoryHourLeave], in: later)
        #expect(hours.holdsOneAtMost(oldHour))
        let emptying = try await plan(data, Self.q1, at: Self.start + 3 * Self.day, hours: hours)
        #expect(writes(emptying, .memoryHourLeave).isEmpty)
        #expect(writes(emptying, .memoryHourEmpty) == [.delete(oldHour, from: scratch.tables.users, if: .not(.compare("n", .greaterThan, .int(1))))])
        // A failed deletion says the hour gained questions: the next attempt decrements again.
        hours.learn(from: [.memoryHourEmpty], in: emptying)
        #expect(!hours.holdsOneAtMost(oldHour))

        // The same due hour before and after: no question leaves, nothing is conditional.
        let sameHour = try await plan(data, Self.q1, at: Self.start + 5 * 60_000)
        #expect(writes(sameHour, .memoryHourLeave).isEmpty && writes(sameHour, .memoryHourEmpty).isEmpty)
        #expect(writes(sameHour, .memoryCounters).allSatisfy { $0.condition == nil })

        // A question whose category changed leaves its old category's hour.
        let moved = try await plan(data, Self.q1, at: Self.start + 3 * Self.day, category: "d")
        guard case .update(let movedKey, _, _, _)? = writes(moved, .memoryHourLeave).first else { throw Failure("no leave: \(moved.parts)") }
        #expect(movedKey == oldHour)
        #expect(writes(moved, .memoryCounters).count == 1)
    }

    @Test("against the store: the last question out deletes its hour after one refused decrement; an hour that keeps others is decremented")
    func commitCycle() async throws {
        let scratch = try ScratchStore()
        let data = data(scratch)
        // q1 and q2 learned at the same moment: one hour holds both.
        try await commit(data, try await plan(data, Self.q1, at: Self.start))
        try await commit(data, try await plan(data, Self.q2, at: Self.start))
        let shared = try await buckets(scratch)
        #expect(shared.count == 1)
        #expect(shared.values.first?.int("n") == 2)

        // A hint gone stale (the hour holds both): q1's deletion is refused, then its decrement lands.
        var hours = HourBucketHints()
        hours.learn(from: [.memoryHourLeave], in: try await plan(data, Self.q1, at: Self.start + 3 * Self.day))
        let deletion = try await plan(data, Self.q1, at: Self.start + 3 * Self.day, hours: hours)
        guard case .conflicted(let deletionParts) = try await data.commit(deletion, token: nil) else { throw Failure("a deletion of a full hour landed") }
        #expect(deletionParts == [.memoryHourEmpty])
        #expect(try await buckets(scratch) == shared, "a refused attempt writes nothing")
        hours.learn(from: deletionParts, in: deletion)
        try await commit(data, try await plan(data, Self.q1, at: Self.start + 3 * Self.day, hours: hours))
        var now = try await buckets(scratch)
        #expect(now.count == 2)
        #expect(now[shared.keys.first!]?.int("n") == 1)

        // q2 leaves later: its decrement is refused (it is the last), and the next attempt deletes the hour.
        let refused = try await plan(data, Self.q2, at: Self.start + 3 * Self.day + 2 * Self.hour, hours: hours)
        guard case .conflicted(let parts) = try await data.commit(refused, token: nil) else { throw Failure("the decrement to 0 landed") }
        #expect(parts == [.memoryHourLeave])
        #expect(try await buckets(scratch) == now, "a refused attempt writes nothing")
        hours.learn(from: parts, in: refused)
        try await commit(data, try await plan(data, Self.q2, at: Self.start + 3 * Self.day + 2 * Self.hour, hours: hours))
        now = try await buckets(scratch)
        #expect(now[shared.keys.first!] == nil, "the emptied hour is gone")
        #expect(now.count == 2, "the hours q1 and q2 are due in now")
        #expect(now.values.allSatisfy { $0.int("n") == 1 })
    }
}

/// A test's own failure, with what it found.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
