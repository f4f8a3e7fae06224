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
    /// Questions per transaction: up to three writes each (the question, its category index
    /// item, the old index item when it moved category), the bank's summary and the
    /// idempotency completion, within DynamoDB's 100 writes.
    package static let questionsPerTransaction = 32

    /// How often one chunk is tried again after another import changed its questions under it.
    static let chunkAttempts = 5

    /// Writes validated questions into the bank in transactions of up to
    /// ``questionsPerTransaction`` questions, and returns how many were new and how many replaced.
    ///
    /// Each question is written on a condition: absent, to be counted as created, or still at the
    /// revision read, to be counted as replaced. The bank's summary (`META`: `questionCount`)
    /// is updated in the same transaction as the questions it counts, so its count is exact
    /// after any crash and under any number of concurrent imports: a question two imports both
    /// create is created by one and replaced by the other. The last transaction holds
    /// `completion(counts)`, the request's idempotency completion for the final counts.
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
        var counts = ImportCounts()
        var start = 0
        while start < unique.count || (start == 0 && unique.isEmpty) {
            let chunk = Array(unique[start..<min(start + Self.questionsPerTransaction, unique.count)])
            start += Self.questionsPerTransaction
            let isLast = start >= unique.count
            var written: ImportCounts?
            attempts: for _ in 0..<Self.chunkAttempts {
                let token = tokens.next()
                var (plan, chunkCounts) = try await chunkPlan(chunk, bankId: bankId, now: now, token: token)
                let total = counts + chunkCounts
                if isLast, let write = try completion(total) { plan.add(write, as: .idempotency) }
                do {
                    try await store.transactWrite(plan.writes, token: token)
                    written = chunkCounts
                    break attempts
                } catch where error.code == .validation || error.code == .itemTooLarge {
                    throw DataError.storage(error)
                } catch {
                    // Another import changed these questions (a condition failed), or the outcome is
                    // unknown: a retry whose reply was lost may have landed first. The questions say.
                    if try await landed(chunk, bankId: bankId, token: token) {
                        written = chunkCounts
                        break attempts
                    }
                    if plan.failedParts(in: error)?.contains(.idempotency) == true { return .uncertain(total) }
                    // Not landed: read the questions again and write them as they are now.
                }
            }
            guard let written else {
                throw DataError.conflict("Other imports kept changing these questions; send the import again.")
            }
            counts = counts + written
            if unique.isEmpty { break }
        }
        return .committed(counts)
    }

    /// One chunk's writes as they stand now, and what they would count.
    private func chunkPlan(_ chunk: [Question], bankId: String, now: Int64, token: TransactionToken) async throws -> (WritePlan, ImportCounts) {
        var existing: [String: Item] = [:]
        do {
            for item in try await store.batchGet(chunk.map { Keys.question(bankId, $0.id) }, from: table) {
                if let id = item.string("id") { existing[id] = item }
            }
        } catch {
            throw DataError.storage(error)
        }
        var plan = WritePlan()
        var counts = ImportCounts()
        for question in chunk {
            var item = Self.encode(question, bankId: bankId)
            item["importedAt"] = .int(now)
            item[Self.tokenAttribute] = .string(token.value)
            let condition: Condition
            if let old = existing[question.id] {
                let revision = old.int(Self.revisionAttribute)
                item[Self.revisionAttribute] = .int((revision ?? 0) + 1)
                condition = revision.map { .equals(Self.revisionAttribute, .int($0)) } ?? .attributeNotExists(Self.revisionAttribute)
                counts.replaced += 1
                // A question that moved category leaves its old index entry behind otherwise.
                let oldCategory = old.string("category")
                if oldCategory != question.category {
                    plan.add(.delete(Keys.categoryIndex(bankId, category: oldCategory, questionId: question.id), from: table), as: .questionIndex)
                }
            } else {
                item[Self.revisionAttribute] = .int(1)
                condition = .itemNotExists
                counts.created += 1
            }
            plan.add(.put(item, into: table, if: condition), as: .question)
            let index = Keys.categoryIndex(bankId, category: question.category, questionId: question.id)
            plan.add(.put(["pk": .string(index.partition), "sk": .string(index.sort ?? ""), "questionId": .string(question.id)], into: table), as: .questionIndex)
        }
        plan.add(
            .update(Keys.bankMeta(bankId), in: table, [.add("questionCount", Number(counts.created)), .set("updatedAt", .int(now))]),
            as: .bankMeta)
        return (plan, counts)
    }

    /// Whether the chunk's transaction with `token` landed: its questions carry the token of the
    /// transaction that last wrote them, and all of a chunk's land together.
    private func landed(_ chunk: [Question], bankId: String, token: TransactionToken) async throws -> Bool {
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
