import QuizEngine
import QuizStore

/// What an import did.
package struct ImportCounts: Sendable, Hashable {
    /// Questions the bank did not have.
    package var created = 0
    /// Questions that replaced one with the same id.
    package var replaced = 0

    package init(created: Int = 0, replaced: Int = 0) {
        self.created = created
        self.replaced = replaced
    }
}

/// How an import ended.
package enum ImportOutcome: Sendable {
    /// Every question is in, and the last transaction held the completion built for `counts`.
    case committed(ImportCounts)
    /// The last transaction, with the completion for `counts`, may or may not have landed, or
    /// its completion's condition failed: the idempotency record says which.
    case uncertain(ImportCounts)
}

extension QuestionBank {
    /// The most questions per transaction. A transaction holds, per question, the question, its
    /// category index item (and the old one when it moved category) and its ordinal slots (see
    /// `OrdinalPlan`), plus the bank's summary and the idempotency completion, within DynamoDB's
    /// 100 writes: a chunk ends early when the next question could overflow it.
    package static let questionsPerTransaction = 32

    /// How often one chunk is tried again after another import changed its questions, the bank's
    /// or a category's ordinal counters under it (every import that adds or moves questions
    /// does): concurrent imports take turns, each after a short random pause.
    static let contendedAttempts = 64

    /// Writes validated questions into the bank in transactions of up to
    /// ``questionsPerTransaction`` questions, and returns how many were new and how many replaced.
    ///
    /// Each question is written on a condition: absent, to be counted as created, or still at the
    /// revision read, to be counted as replaced. The bank's summary (`META`: `questionCount`)
    /// is updated in the same transaction as the questions it counts, so its count is exact
    /// after any crash and under any number of concurrent imports: a question two imports both
    /// create is created by one and replaced by the other. The ordinal slots sessions draw from
    /// change in the same transactions, guarded by the counters they change (`OrdinalPlan`). The
    /// last transaction holds `completion(counts)`, the request's idempotency completion for the
    /// final counts.
    ///
    /// A bank imported before ordinals existed gets them for all its questions first
    /// (`assignMissingOrdinals`).
    ///
    /// A question listed twice is written once, as its last row says.
    package func importQuestions(
        _ questions: [Question], into bankId: String, now: Int64, tokens: inout RequestTokens,
        completion: (ImportCounts) throws -> TransactionWrite?
    ) async throws -> ImportOutcome {
        var byId: [String: Int] = [:]
        var unique: [Question] = []
        for question in questions {
            if let index = byId[question.id] { unique[index] = question } else {
                byId[question.id] = unique.count
                unique.append(question)
            }
        }
        try await assignMissingOrdinals(bankId: bankId)
        var counts = ImportCounts()
        var start = 0
        repeat {
            var written: (counts: ImportCounts, consumed: Int)?
            var attempt = 0
            attempts: while attempt < Self.contendedAttempts {
                attempt += 1
                let token = tokens.next()
                let chunk: ChunkPlan
                do {
                    chunk = try await chunkPlan(unique[start...], bankId: bankId, now: now, token: token)
                } catch is OrdinalPlan.Stale {
                    await Self.pause(attempt)
                    continue attempts
                }
                var plan = chunk.plan
                let total = counts + chunk.counts
                if start + chunk.consumed >= unique.count, let write = try completion(total) { plan.add(write, as: .idempotency) }
                do {
                    try await store.transactWrite(plan.writes, token: token)
                    written = (chunk.counts, chunk.consumed)
                    break attempts
                } catch where error.code == .validation || error.code == .itemTooLarge {
                    throw DataError.storage(error)
                } catch {
                    // Another import changed these questions or the counters (a condition failed), or
                    // the outcome is unknown: a retry whose reply was lost may have landed first. The
                    // questions say.
                    if try await landed(unique[start..<(start + chunk.consumed)], bankId: bankId, token: token) {
                        written = (chunk.counts, chunk.consumed)
                        break attempts
                    }
                    if plan.failedParts(in: error)?.contains(.idempotency) == true { return .uncertain(total) }
                    await Self.pause(attempt)
                    // Not landed: read the questions again and write them as they are now.
                }
            }
            guard let written else {
                throw DataError.conflict("Other imports kept changing these questions; send the import again.")
            }
            counts = counts + written.counts
            start += written.consumed
        } while start < unique.count
        return .committed(counts)
    }

    /// A short random pause before trying again after another writer moved a counter.
    static func pause(_ attempt: Int) async {
        try? await Task.sleep(for: .microseconds(Int.random(in: 100...(500 * min(attempt, 20)))))
    }

    /// One transaction's writes, what they would count, and how many questions of the rest they hold.
    private struct ChunkPlan {
        var plan: WritePlan
        var counts: ImportCounts
        var consumed: Int
    }

    /// What an import does to a question's category index entry, `old` being the question as
    /// stored: a new question gets one; one that moved category loses its old one and gets one;
    /// a replace in its own category keeps its own (written again it would be the same three
    /// attributes, one more write). Both the chunk's write count and its plan follow it.
    static func indexChange(_ old: Item?, to category: String?) -> (deletesOld: Bool, putsNew: Bool) {
        guard let old else { return (false, true) }
        let moved = old.string("category") != category
        return (moved, moved)
    }

    /// The next chunk's writes as they stand now: as many of `rest` as fit in one transaction.
    private func chunkPlan(_ rest: ArraySlice<Question>, bankId: String, now: Int64, token: TransactionToken) async throws -> ChunkPlan {
        let candidates = Array(rest.prefix(Self.questionsPerTransaction))
        var existing: [String: Item] = [:]
        let meta: Item?
        do {
            for item in try await store.batchGet(candidates.map { Keys.question(bankId, $0.id) }, from: table) {
                if let id = item.string("id") { existing[id] = item }
            }
            meta = try await store.get(Keys.bankMeta(bankId), from: table)
        } catch {
            throw DataError.storage(error)
        }
        var ordinals = OrdinalPlan(bankId: bankId, table: table, meta: meta)
        var placed: [Question] = []
        var questionWrites = 0
        // Room for the bank's summary and the idempotency completion.
        let budget = TransactionWrite.maximumCount - 2
        for question in candidates {
            let worst = questionWrites + ordinals.writeCount + 3 + OrdinalPlan.writesPerPlacement
            if !placed.isEmpty && worst > budget { break }
            do {
                _ = try await ordinals.place(question.id, stored: existing[question.id], category: question.category, store: store)
            } catch let error as TableError {
                throw DataError.storage(error)
            }
            placed.append(question)
            let index = Self.indexChange(existing[question.id], to: question.category)
            questionWrites += 1 + (index.deletesOld ? 1 : 0) + (index.putsNew ? 1 : 0)
        }

        var plan = WritePlan(capacity: TransactionWrite.maximumCount)
        var counts = ImportCounts()
        for question in placed {
            var item = Self.encode(question, bankId: bankId)
            item["importedAt"] = .int(now)
            item[Self.tokenAttribute] = .string(token.value)
            if let placement = ordinals.placements[question.id] {
                item[OrdinalPlan.ordinalAttribute] = .int(placement.ordinal)
                if let categoryOrdinal = placement.categoryOrdinal { item[OrdinalPlan.categoryOrdinalAttribute] = .int(categoryOrdinal) }
            }
            let condition: Condition
            let index = Self.indexChange(existing[question.id], to: question.category)
            if let old = existing[question.id] {
                let revision = old.int(Self.revisionAttribute)
                item[Self.revisionAttribute] = .int((revision ?? 0) + 1)
                condition = revision.map { .equals(Self.revisionAttribute, .int($0)) } ?? .attributeNotExists(Self.revisionAttribute)
                counts.replaced += 1
                if index.deletesOld {
                    plan.add(
                        .delete(Keys.categoryIndex(bankId, category: old.string("category"), questionId: question.id), from: table),
                        as: .questionIndex)
                }
            } else {
                item[Self.revisionAttribute] = .int(1)
                condition = .itemNotExists
                counts.created += 1
            }
            plan.add(.put(item, into: table, if: condition), as: .question)
            if index.putsNew {
                let entry = Keys.categoryIndex(bankId, category: question.category, questionId: question.id)
                plan.add(.put(["pk": .string(entry.partition), "sk": .string(entry.sort ?? ""), "questionId": .string(question.id)], into: table), as: .questionIndex)
            }
        }
        for (write, part) in ordinals.writes() { plan.add(write, as: part) }
        plan.add(
            .update(
                Keys.bankMeta(bankId), in: table,
                [.add("questionCount", Number(counts.created)), .set("updatedAt", .int(now))] + ordinals.metaActions,
                if: ordinals.metaCondition),
            as: .bankMeta)
        return ChunkPlan(plan: plan, counts: counts, consumed: placed.count)
    }

    /// Whether the chunk's transaction with `token` landed: its questions carry the token of the
    /// transaction that last wrote them, and all of a chunk's land together.
    private func landed(_ chunk: ArraySlice<Question>, bankId: String, token: TransactionToken) async throws -> Bool {
        guard !chunk.isEmpty else {
            return false
        }
        do {
            let items = try await store.batchGet(chunk.map { Keys.question(bankId, $0.id) }, from: table)
            return items.contains { $0.string(Self.tokenAttribute) == token.value }
        } catch {
            throw DataError.storage(error)
        }
    }

    /// The attribute a question's revision is kept in: every replacement is conditional on it.
    static let revisionAttribute = "revision"
    /// The attribute that holds the token of the import transaction that last wrote the question.
    static let tokenAttribute = "txn"
}

extension ImportCounts {
    static func + (lhs: ImportCounts, rhs: ImportCounts) -> ImportCounts {
        ImportCounts(created: lhs.created + rhs.created, replaced: lhs.replaced + rhs.replaced)
    }
}
