import QuizEngine
import QuizStore

extension QuestionBank {
    /// Draws a session's questions: `count` distinct question ids of the bank, or of one of its
    /// categories, uniformly at random without replacement, in draw order (all of them, shuffled,
    /// when there are no more than `count`; none when the category has no questions).
    ///
    /// Reads grow with `count`, not with the bank: the bank's summary (and the category's
    /// counter), then the slots of `count` random ordinals in one batch read
    /// (docs/data-layer.md, "Drawing a session"). A bank imported before ordinals existed is
    /// drawn from its whole index until its next import gives them.
    ///
    /// Bank-wide slots never change once written. A category's slots change when an import moves
    /// a question out of it; a draw that reads them half-way through such a change (a slot gone,
    /// or one question in two slots) draws again from fresh reads, and after a few tries reads
    /// the category's index instead — never a biased or a short draw.
    ///
    /// - Throws: `bankNotFound` when the bank has never had questions imported.
    package func draw(
        bankId: String, category: String?, count: Int, using rng: inout some RandomNumberGenerator
    ) async throws(DataError) -> [String] {
        for _ in 0..<Self.drawAttempts {
            let summary: (meta: Item?, counter: Item?)
            do {
                summary = try await summaries(bankId: bankId, category: category)
            } catch {
                throw .storage(error)
            }
            guard let meta = summary.meta else { throw .bankNotFound(bankId) }
            guard Self.hasOrdinals(meta) else {
                // Imported before ordinals: its index, and a note for the maintenance function.
                await noteMissingOrdinals(bankId: bankId)
                break
            }
            let bound: Int64
            if category != nil {
                guard let counter = summary.counter else { return [] }
                bound = counter.int(OrdinalPlan.slotCountAttribute) ?? 0
            } else {
                bound = meta.int(OrdinalPlan.ordinalCountAttribute) ?? 0
            }
            let ordinals = QuestionPicker.drawOrdinals(count: count, below: bound, using: &rng)
            let keys = ordinals.map { ordinal in
                category.map { Keys.categorySlot(bankId, category: $0, ordinal) } ?? Keys.ordinalSlot(bankId, ordinal)
            }
            let items: [Item]
            do {
                items = try await store.batchGet(keys, from: table)
            } catch {
                throw .storage(error)
            }
            var bySlot: [String: String] = [:]
            for item in items {
                if let sort = item.string("sk"), let id = item.string("questionId") { bySlot[sort] = id }
            }
            let drawn = keys.compactMap { bySlot[$0.sort ?? ""] }
            // Every slot read, and no question twice: the slots agreed with the counter.
            if drawn.count == keys.count && Set(drawn).count == drawn.count { return drawn }
        }
        return QuestionPicker.drawQuestionSet(from: try await questionIds(bankId: bankId, category: category), count: count, using: &rng)
    }

    /// How often a draw reads a category's slots before it reads the category's index instead.
    static let drawAttempts = 3

    /// The bank's summary and, for a category, its counter, in one round trip.
    private func summaries(bankId: String, category: String?) async throws(TableError) -> (meta: Item?, counter: Item?) {
        guard let category else { return (try await store.get(Keys.bankMeta(bankId), from: table), nil) }
        let meta = Keys.bankMeta(bankId)
        let items = try await store.batchGet([meta, Keys.categoryCounter(bankId, category: category)], from: table)
        let metaSort = meta.sort ?? ""
        return (items.first { $0.string("sk") == metaSort }, items.first { $0.string("sk") != metaSort })
    }
}
