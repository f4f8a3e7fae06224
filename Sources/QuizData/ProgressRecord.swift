import QuizEngine
import QuizStore

/// A user's progress as counters, kept up to date by atomic adds inside the same transactions
/// that change sessions and memory, so reading progress never scans the user's history
/// (docs/data-layer.md, "Progress").
///
/// - `PROGRESS`: the user's totals: `answers`, `correct`, `correctFirstTry`, `questionsCompleted`,
///   `enteredPool`, `mastered`; per session status `sessions#STATUS`; the memory totals
///   `memTracked`, `memMature`, `memLeeches`. A fixed set of attributes: it never grows.
/// - `PROGCAT#<category>`: one item per category with the same kinds of counters for that
///   category (`answers`, `correct`, `memTracked`, `memMature`, `memLeeches`, and `category`), so
///   a learner with thousands of categories has thousands of small items rather than one item
///   that outgrows DynamoDB's 400 KB limit. Progress reads them with one paginated query.
///
/// Items written before the per-category items existed kept `category#NAME#answers` and
/// `category#NAME#correct` on `PROGRESS`; the progress report still adds those in.
package enum ProgressRecord {
    /// The legacy per-category attribute prefix on `PROGRESS`.
    package static let categoryPrefix = "category#"
    package static let sessionsPrefix = "sessions#"
    /// The sort-key prefix of the per-category items.
    package static let categoryItemPrefix = "PROGCAT#"

    /// The item of `category`'s counters.
    package static func categoryKey(_ userId: String, _ category: String) -> Key {
        Key(Keys.user(userId), categoryItemPrefix + category)
    }

    /// The counter changes of one graded answer on the user's totals.
    package static func actions(for delta: ProgressDelta) -> [UpdateAction] {
        [
            .add("answers", Number(delta.attempts)),
            .add("correct", Number(delta.questionsAnswered)),
            .add("correctFirstTry", Number(delta.correctFirstTry)),
            .add("enteredPool", Number(delta.enteredPool)),
            .add("mastered", Number(delta.mastered)),
        ]
    }

    /// The counter changes of one graded answer on its category's item.
    package static func categoryActions(for delta: ProgressDelta) -> [UpdateAction] {
        [.add("answers", Number(delta.attempts)), .add("correct", Number(delta.questionsAnswered))]
    }

    /// Adds `actions` to the counters of `category`, with the category's name (the key alone
    /// cannot be trusted to spell it back).
    package static func addCategory(
        _ actions: [UpdateAction], category: String, userId: String, table: TableSchema, to plan: inout WritePlan
    ) {
        guard actions.contains(where: { if case .add(_, let delta) = $0 { delta.doubleValue != 0 } else { false } }) else { return }
        plan.addAdditions(
            actions + [.set("category", .string(category))], to: categoryKey(userId, category), in: table, as: .categoryProgress)
    }

    /// The counter changes of a session moving from one status to another (`nil`: a new session).
    package static func actions(from old: SessionStatus?, to new: SessionStatus) -> [UpdateAction] {
        guard old != new else { return [] }
        var actions: [UpdateAction] = [.add(sessionsPrefix + new.rawValue, 1)]
        if let old { actions.append(.add(sessionsPrefix + old.rawValue, -1)) }
        return actions
    }
}
