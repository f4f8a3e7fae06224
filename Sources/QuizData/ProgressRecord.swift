import QuizEngine
import QuizStore

/// A user's progress as counters in one item, kept up to date by atomic adds inside the same
/// transactions that change sessions, so reading progress never scans the user's history.
///
/// Attributes: `answers`, `correct`, `correctFirstTry`, `questionsCompleted`, `enteredPool`,
/// `mastered`; per category `category#NAME#answers` and `category#NAME#correct`; per session status
/// `sessions#STATUS`.
package enum ProgressRecord {
    package static let categoryPrefix = "category#"
    package static let sessionsPrefix = "sessions#"

    /// The counter changes of one graded answer.
    package static func actions(for delta: ProgressDelta) -> [UpdateAction] {
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
    package static func actions(from old: SessionStatus?, to new: SessionStatus) -> [UpdateAction] {
        guard old != new else { return [] }
        var actions: [UpdateAction] = [.add(sessionsPrefix + new.rawValue, 1)]
        if let old { actions.append(.add(sessionsPrefix + old.rawValue, -1)) }
        return actions
    }

    /// The write that applies counter changes, or nothing when there are none.
    package static func write(_ actions: [UpdateAction], userId: String, table: TableSchema) -> TransactionWrite? {
        actions.isEmpty ? nil : .update(Keys.progress(userId), in: table, merged(actions))
    }

    /// One action per attribute, as an update requires. A dozen actions at most: summed in
    /// place, in first-seen order, without hashing their names.
    private static func merged(_ actions: [UpdateAction]) -> [UpdateAction] {
        var sums: [(name: String, sum: Int64)] = []
        sums.reserveCapacity(actions.count)
        for case .add(let name, let delta) in actions {
            if let index = sums.firstIndex(where: { $0.name == name }) {
                sums[index].sum += delta.intValue ?? 0
            } else {
                sums.append((name, delta.intValue ?? 0))
            }
        }
        return sums.map { .add($0.name, Number($0.sum)) }
    }
}
