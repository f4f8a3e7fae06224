/// Which cards a flashcard session holds, and in what order (docs/memory-model.md).
public enum FlashcardDeck {
    /// Where a session's cards come from; the raw values are the API's `source` spellings.
    public enum Source: String, Codable, Sendable, Hashable, CaseIterable {
        /// The daily review: the questions due now, least likely recalled first, then new ones.
        case due
        /// Questions of one category, drawn at random.
        case category
        /// The questions the learner listed, in the order listed.
        case list
    }

    /// The cards of a session from `source`, at most `count` of them, distinct.
    ///
    /// - Parameters:
    ///   - candidateIds: for `due` and `category`, the questions the session may hold (the bank's,
    ///     or the category's); for `list`, the learner's list, checked against the bank by the
    ///     caller.
    ///   - states: the memory of the candidates that have one (used by `due` only).
    public static func cards(
        from source: Source, candidateIds: [String], states: [String: MemoryState], count: Int,
        now: EpochMilliseconds, parameters: FSRSParameters = .default, using rng: inout some RandomNumberGenerator
    ) -> [String] {
        switch source {
        case .due:
            ReviewOrder.questionIds(
                candidateIds: candidateIds, states: states, now: now, limit: count, parameters: parameters
            )
        case .category:
            QuestionPicker.drawQuestionSet(from: candidateIds, count: count, using: &rng)
        case .list:
            QuestionPicker.takeQuestionSet(from: candidateIds, count: count)
        }
    }
}
