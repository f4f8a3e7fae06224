/// A question the picker chose to serve next, before its choices are known.
///
/// The session keeps it as `pendingQuestion` until the handler has loaded the question from its bank
/// and called `QuizSession.serve(_:now:using:)`.
public struct PickedQuestion: Codable, Sendable, Hashable {
    /// The bank holding the question.
    public var bankId: String
    /// The question's id within its bank.
    public var questionId: String
    /// Why it was picked.
    public var origin: ServedQuestion.Origin

    /// A pick of `ref` for `origin`.
    public init(_ ref: QuestionRef, origin: ServedQuestion.Origin) {
        bankId = ref.bankId
        questionId = ref.questionId
        self.origin = origin
    }

    /// The question to load.
    public var ref: QuestionRef { QuestionRef(bankId: bankId, questionId: questionId) }
}

/// Draws a session's question set and picks each next question (docs/http-contract.md#adaptive-rules).
///
/// Pure functions of their inputs and the injected random number generator: with a seeded generator
/// every draw and pick is reproducible, and the 20/80 split can be measured.
public enum QuestionPicker {
    /// The chance of reviewing the oldest pool entry instead of a new set question
    /// (docs/http-contract.md#adaptive-rules).
    public static let poolReviewProbability = 0.2

    /// What to do next.
    public enum Pick: Codable, Sendable, Hashable {
        /// Serve this question.
        case serve(PickedQuestion)
        /// The set is done and this session's pool entries are mastered: the session is complete.
        case sessionComplete
    }

    /// Draws `count` distinct ids of `candidates` at random, without replacement, in draw order; all
    /// of them, shuffled, when there are no more than `count` (docs/http-contract.md#adaptive-rules).
    /// Duplicate candidates count once.
    public static func drawQuestionSet(
        from candidates: [String], count: Int, using rng: inout some RandomNumberGenerator
    ) -> [String] {
        var seen = Set<String>()
        let distinct = candidates.filter { seen.insert($0).inserted }
        return rng.sample(distinct, count: count)
    }

    /// The first `count` distinct ids of `candidates`, in the order given: a `review` session's
    /// set, already ordered by `ReviewOrder`.
    public static func takeQuestionSet(from candidates: [String], count: Int) -> [String] {
        var seen = Set<String>()
        var taken: [String] = []
        taken.reserveCapacity(min(max(count, 0), candidates.count))
        for id in candidates where taken.count < count && seen.insert(id).inserted {
            taken.append(id)
        }
        return taken
    }

    /// Picks the question to serve after `justAnswered` (or the first one, when it is `nil`).
    ///
    /// - Parameters:
    ///   - remaining: the session's set questions that are not done yet.
    ///   - sessionId: the session picking, whose own pool entries must be reviewed before it completes.
    ///   - pool: the user's pool, after the answer to `justAnswered` was recorded.
    ///   - justAnswered: the question just answered correctly; it is not served again at once while
    ///     anything else is left.
    ///   - inOrder: serve the set questions in the order of `remaining` (a `review` session)
    ///     instead of at random; the pool rules are the same either way.
    public static func pickNext(
        remaining: [QuestionRef], sessionId: String, pool: WrongAnswerPool, justAnswered: QuestionRef?,
        inOrder: Bool = false, using rng: inout some RandomNumberGenerator
    ) -> Pick {
        if !remaining.isEmpty {
            // While set questions remain: 20 % the oldest pool entry, of any session, since the pool
            // is the user's. The draw happens only when there is an entry other than the one just
            // answered; if that is the only entry, the 20 % branch falls through to the set, which
            // always has something else to offer. An oldest entry that is itself an unfinished set
            // question is served as a review; answering it correctly also marks it done in the set.
            if let oldest = pool.oldestEntry(excluding: justAnswered), rng.chance(poolReviewProbability) {
                return .serve(PickedQuestion(oldest.ref, origin: .wrongAnswerPool))
            }
            let index = inOrder ? 0 : rng.uniformIndex(below: remaining.count)
            return .serve(PickedQuestion(remaining[index], origin: .sessionSet))
        }
        // The set is done: review this session's own entries, oldest first, without randomness.
        // Other sessions' entries are neither served nor waited for here; they stay in the pool for
        // the sessions (and 20 % picks) to come, so one session cannot be held open by another.
        let owned = pool.entries(ownedBy: sessionId)
        guard let first = owned.first else { return .sessionComplete }
        let next = owned.first { $0.ref != justAnswered } ?? first
        return .serve(PickedQuestion(next.ref, origin: .wrongAnswerPool))
    }
}
