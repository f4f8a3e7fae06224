import QuizStore

extension QuestionBank {
    /// Whether every question of the bank holds its ordinals: the bank's summary counts as many
    /// ordinals as questions. A bank imported before ordinals existed does not, until its next
    /// import (or `assignMissingOrdinals`) gives them; until then sessions draw from its index.
    static func hasOrdinals(_ meta: Item) -> Bool {
        let questions = meta.int("questionCount") ?? 0
        return meta.int(OrdinalPlan.ordinalCountAttribute) ?? 0 == questions
    }

    /// Gives every question of the bank that has no ordinal yet (imported before ordinals
    /// existed) its bank and category ordinals, a page at a time, each page one transaction
    /// guarded like an import's (`OrdinalPlan`). Safe to run again, after a failure half-way or
    /// alongside imports: questions that have their ordinals are left alone.
    ///
    /// Nothing is read beyond the bank's summary when the bank has them all (every bank imported
    /// since), so every import calls this first.
    package func assignMissingOrdinals(bankId: String) async throws {
        let meta: Item?
        do {
            meta = try await store.get(Keys.bankMeta(bankId), from: table)
        } catch {
            throw DataError.storage(error)
        }
        guard let meta, !Self.hasOrdinals(meta) else { return }
        var cursor: Cursor?
        repeat {
            var attempt = 0
            var next: Cursor?
            pages: while true {
                attempt += 1
                guard attempt <= Self.contendedAttempts else {
                    throw DataError.conflict("Other imports kept changing this bank; send the import again.")
                }
                let page: QueryPage
                do {
                    page = try await store.query(
                        Query(table, partition: Keys.bank(bankId), sortKey: .beginsWith(Keys.questionPrefix), limit: Self.migrationPage, cursor: cursor))
                } catch {
                    throw DataError.storage(error)
                }
                next = page.nextCursor
                let missing = page.items.filter { $0.int(OrdinalPlan.ordinalAttribute) == nil && $0.string("id") != nil }
                if missing.isEmpty { break pages }
                do {
                    let plan = try await migrationPlan(missing, bankId: bankId)
                    try await store.transactWrite(plan.writes, token: nil)
                    break pages
                } catch let error as TableError where error.code == .validation || error.code == .itemTooLarge {
                    throw DataError.storage(error)
                } catch {
                    // A counter or a question moved under us, or the outcome is unknown: the page,
                    // read again, says which questions still lack their ordinals.
                    await Self.pause(attempt)
                }
            }
            cursor = next
        } while cursor != nil
    }

    /// Legacy questions per migration transaction: each takes its question update, a bank slot and
    /// a category slot, and the counters come on top.
    static let migrationPage = 20

    private func migrationPlan(_ items: [Item], bankId: String) async throws -> WritePlan {
        let meta = try await store.get(Keys.bankMeta(bankId), from: table)
        var ordinals = OrdinalPlan(bankId: bankId, table: table, meta: meta)
        var plan = WritePlan(capacity: TransactionWrite.maximumCount)
        for item in items {
            guard let id = item.string("id") else { continue }
            _ = try await ordinals.place(id, stored: item, category: item.string("category"), store: store)
        }
        for item in items {
            guard let id = item.string("id"), let placement = ordinals.placements[id] else { continue }
            // The revision moves, so an import that read the question without its ordinals fails its condition.
            var actions: [UpdateAction] = [.set(OrdinalPlan.ordinalAttribute, .int(placement.ordinal)), .add(Self.revisionAttribute, Number(1))]
            if let categoryOrdinal = placement.categoryOrdinal { actions.append(.set(OrdinalPlan.categoryOrdinalAttribute, .int(categoryOrdinal))) }
            let revision = item.int(Self.revisionAttribute)
            let unchanged: Condition = revision.map { .equals(Self.revisionAttribute, .int($0)) } ?? .attributeNotExists(Self.revisionAttribute)
            plan.add(
                .update(Keys.question(bankId, id), in: table, actions, if: unchanged && .attributeNotExists(OrdinalPlan.ordinalAttribute)),
                as: .question)
        }
        for (write, part) in ordinals.writes() { plan.add(write, as: part) }
        plan.add(.update(Keys.bankMeta(bankId), in: table, ordinals.metaActions, if: ordinals.metaCondition), as: .bankMeta)
        return plan
    }
}
