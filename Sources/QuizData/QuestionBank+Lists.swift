import QuizEngine
import QuizStore

extension QuestionBank {
    /// Which of `questionIds` the bank holds: one batch read of those questions, whatever the
    /// bank's size (a learner's own list of cards is checked this way).
    ///
    /// - Throws: `bankNotFound` when the bank has never had questions imported.
    package func heldQuestionIds(bankId: String, among questionIds: [String]) async throws(DataError) -> Set<String> {
        guard try await exists(bankId) else { throw .bankNotFound(bankId) }
        do {
            let items = try await store.batchGet(questionIds.map { Keys.question(bankId, $0) }, from: table)
            return Set(items.compactMap { $0.string("id") })
        } catch {
            throw .storage(error)
        }
    }
}
