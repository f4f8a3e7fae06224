import QuizEngine
import QuizStore

/// A learner's memory of the questions they met, in the `users` table (docs/memory-model.md,
/// "How it is stored"). Every item lives under the user's partition `USER#<userId>`:
///
/// - `MEM#<bankId>#<questionId>`: the memory item — the `MemoryState` fields, the question's
///   `category` at its last review, and a `version` that every change of it is conditional on
///   (or on not existing, for a first review), so two sessions reviewing one question at once
///   cannot both apply.
/// - `MEMDUE#<dueAt, 15 digits>#<bankId>#<questionId>`: the due index, a copy of the memory item
///   under a sort key that orders by due time. A review deletes the old copy and puts the new one
///   in the same transaction. It serves the memory listing (most overdue first), the questions
///   due now (a query up to now: bounded by what is due, not by the learner's history) and the
///   count of questions due earlier in the current hour that progress needs.
/// - `MEMHOUR#<category>#<hour, 9 digits>`: the due-hour counters of one category (`""` for
///   questions without one): `n`, `inv` (Σ 1/S), `ios` (Σ interval/S) of the questions due in that
///   hour (`MemoryCounters`), changed by atomic additions. A bucket exists only while a question is
///   due in its hour: a review decrements the hour it leaves on `n > 1` and, when that fails, is
///   computed again and deletes it on the complement (`HourBucketHints`). Progress reads them with
///   one query: one per category and hour some question is due in now, never more with reviews or
///   with the hours questions were once due in.
/// - `SETTINGS`: the learner's settings (`desiredRetention`).
///
/// The totals (`tracked`, `mature`, `leeches`) are counters on the progress items
/// (`ProgressRecord`): `memTracked`, `memMature`, `memLeeches`.
///
/// Ids and categories use only characters above `#`, so these prefixes never overlap.
package enum MemoryRecord {
    /// The sort-key prefix of memory items.
    package static let itemPrefix = "MEM#"
    /// The sort-key prefix of the due index.
    package static let duePrefix = "MEMDUE#"
    /// The sort-key prefix of the due-hour counters.
    package static let hourPrefix = "MEMHOUR#"
    /// The sort key of the learner's settings.
    package static let settingsSortKey = "SETTINGS"
    /// The progress counters of the memory totals.
    package static let trackedCounter = "memTracked"
    package static let matureCounter = "memMature"
    package static let leechesCounter = "memLeeches"

    /// A memory item as stored: the state, the question, its category at the last review, and the
    /// version its next change is conditional on.
    package struct Stored: Sendable, Hashable {
        /// The question.
        package var ref: QuestionRef
        /// The question's category when it was last reviewed (`nil`: none).
        package var category: String?
        /// The FSRS state.
        package var state: MemoryState
        /// The version of the memory item (1 after the first review).
        package var version: Int64

        package init(ref: QuestionRef, category: String?, state: MemoryState, version: Int64) {
            self.ref = ref
            self.category = category
            self.state = state
            self.version = version
        }
    }

    // MARK: - Keys

    /// The memory item of `ref`.
    package static func key(_ userId: String, _ ref: QuestionRef) -> Key {
        Key(Keys.user(userId), "\(itemPrefix)\(ref.bankId)#\(ref.questionId)")
    }

    /// The due-index item of `ref` due at `dueAt`.
    package static func dueKey(_ userId: String, _ ref: QuestionRef, dueAt: Int64) -> Key {
        Key(Keys.user(userId), "\(duePrefix)\(Keys.paddedTime(dueAt))#\(ref.bankId)#\(ref.questionId)")
    }

    /// The sort key bounding the due index at `time`: every item due at or before it sorts at or
    /// below it (`~` is above every id character).
    package static func dueBound(_ time: Int64) -> String { "\(duePrefix)\(Keys.paddedTime(time))#~" }

    /// The due-hour counters of `category` (`nil`: questions without one) for `hour`.
    package static func hourKey(_ userId: String, category: String?, hour: Int) -> Key {
        let digits = String(max(0, hour))
        return Key(Keys.user(userId), "\(hourPrefix)\(category ?? "")#\(String(repeating: "0", count: max(0, 9 - digits.count)))\(digits)")
    }

    /// The learner's settings item.
    package static func settingsKey(_ userId: String) -> Key { Key(Keys.user(userId), settingsSortKey) }

    // MARK: - Items

    /// The memory item (with `version`) or a due-index copy (without) of `stored`.
    package static func item(_ stored: Stored, key: Key, withVersion: Bool) -> Item {
        let state = stored.state
        var attributes: [String: AttributeValue] = [
            "pk": .string(key.partition), "sk": .string(key.sort ?? ""), "bankId": .string(stored.ref.bankId),
            "questionId": .string(stored.ref.questionId), "stability": .double(state.stability),
            "difficulty": .double(state.difficulty), "reps": .int(state.reps), "lapses": .int(state.lapses),
        ]
        if let category = stored.category { attributes["category"] = .string(category) }
        if let lastReviewAt = state.lastReviewAt { attributes["lastReviewAt"] = .int(lastReviewAt) }
        if let dueAt = state.dueAt { attributes["dueAt"] = .int(dueAt) }
        if let rating = state.lastRating { attributes["lastRating"] = .int(rating.rawValue) }
        if withVersion { attributes["version"] = .int(stored.version) }
        return Item(attributes)
    }

    /// The record a memory item or a due-index copy holds.
    package static func stored(from item: Item) throws(DataError) -> Stored {
        guard let bankId = item.string("bankId"), let questionId = item.string("questionId"),
            let stability = item["stability"]?.numberValue?.doubleValue, let difficulty = item["difficulty"]?.numberValue?.doubleValue,
            let reps = item.int("reps"), let lapses = item.int("lapses"), let repsCount = Int(exactly: reps),
            let lapsesCount = Int(exactly: lapses)
        else {
            throw DataError.damaged("memory item")
        }
        var rating: ReviewRating?
        if let number = item.int("lastRating") {
            guard let value = Int(exactly: number), let known = ReviewRating(rawValue: value) else { throw DataError.damaged("memory item") }
            rating = known
        }
        let state = MemoryState(
            stability: stability, difficulty: difficulty, lastReviewAt: item.int("lastReviewAt"), dueAt: item.int("dueAt"),
            reps: repsCount, lapses: lapsesCount, lastRating: rating)
        return Stored(
            ref: QuestionRef(bankId: bankId, questionId: questionId), category: item.string("category"), state: state,
            version: item.int("version") ?? 0)
    }

    /// The learner's settings as stored (defaults when there is no item).
    package static func settings(from item: Item?) throws(DataError) -> LearnerSettings {
        guard let item, let value = item["desiredRetention"]?.numberValue?.doubleValue else { return LearnerSettings() }
        do {
            return LearnerSettings(desiredRetention: try DesiredRetention(value))
        } catch {
            throw DataError.damaged("settings", underlying: error)
        }
    }

    /// The due-hour counters on one `MEMHOUR#` item: its category (`nil`: none), hour and bucket.
    package static func hourBucket(from item: Item) throws(DataError) -> (category: String?, hour: Int, bucket: DueBucket) {
        guard let hour = item.int("hour"), let hourNumber = Int(exactly: hour) else { throw DataError.damaged("memory counters") }
        let count = item.int("n") ?? 0
        let category = item.string("category")
        return (
            category.flatMap { $0.isEmpty ? nil : $0 }, hourNumber,
            DueBucket(
                count: Int(clamping: count), inverseStability: item["inv"]?.numberValue?.doubleValue ?? 0,
                intervalOverStability: item["ios"]?.numberValue?.doubleValue ?? 0)
        )
    }
}

/// A learner's settings (`PUT /users/me/settings`): what every later schedule uses.
package struct LearnerSettings: Sendable, Hashable {
    /// The share of reviews the learner wants to recall; 0.9 unless they chose another.
    package var desiredRetention: DesiredRetention

    package init(desiredRetention: DesiredRetention = .default) {
        self.desiredRetention = desiredRetention
    }
}
