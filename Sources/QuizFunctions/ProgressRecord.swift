import QuizEngine
import QuizStore

/// A user's progress as counters in one item, kept up to date by atomic adds inside the same
/// transactions that change sessions, so reading progress never scans the user's history.
///
/// Attributes: `answers`, `correct`, `correctFirstTry`, `questionsCompleted`, `enteredPool`,
/// `mastered`; per category `category#NAME#answers` and `category#NAME#correct`; per session status
/// `sessions#STATUS`.
enum ProgressRecord {
    static let categoryPrefix = "category#"
    static let sessionsPrefix = "sessions#"

    /// The counter changes of one graded answer.
    static func actions(for delta: ProgressDelta) -> [UpdateAction] {
        var actions: [UpdateAction] = [
            .add("answers", Number(delta.attempts)),
            .add("correct", Number(delta.questionsAnswered)),
            .add("correctFirstTry", Number(delta.correctFirstTry)),
            .add("enteredPool", Number(delta.enteredPool)),
            .add("mastered", Number(delta.mastered)),
        ]
        if let category = delta.category {
            actions.append(.add("\(categoryPrefix)\(category)#answers", Number(delta.attempts)))
            actions.append(.add("\(categoryPrefix)\(category)#correct", Number(delta.questionsAnswered)))
        }
        return actions
    }

    /// The counter changes of a session moving from one status to another (`nil`: a new session).
    static func actions(from old: SessionStatus?, to new: SessionStatus) -> [UpdateAction] {
        guard old != new else { return [] }
        var actions: [UpdateAction] = [.add(sessionsPrefix + new.rawValue, 1)]
        if let old { actions.append(.add(sessionsPrefix + old.rawValue, -1)) }
        return actions
    }

    /// The write that applies counter changes, or nothing when there are none.
    static func write(_ actions: [UpdateAction], userId: String, table: TableSchema) -> TransactionWrite? {
        actions.isEmpty ? nil : .update(Keys.progress(userId), in: table, merged(actions))
    }

    /// One action per attribute, as an update requires.
    private static func merged(_ actions: [UpdateAction]) -> [UpdateAction] {
        var order: [String] = []
        var sums: [String: Int64] = [:]
        for case .add(let name, let delta) in actions {
            if sums[name] == nil { order.append(name) }
            sums[name, default: 0] += delta.intValue ?? 0
        }
        return order.map { .add($0, Number(sums[$0]!)) }
    }
}
