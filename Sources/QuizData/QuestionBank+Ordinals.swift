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
    /// since), so every import calls this first. With a `deadline`, it stops after the page in hand
    /// once the deadline has passed and returns where to go on (`from` of the next call); `nil`
    /// when the bank has them all.
    @discardableResult
    package func assignMissingOrdinals(bankId: String, from start: Cursor? = nil, until deadline: ContinuousClock.Instant? = nil) async throws -> Cursor? {
        let meta: Item?
        do {
            meta = try await store.get(Keys.bankMeta(bankId), from: table)
        } catch {
            throw DataError.storage(error)
        }
        guard let meta, !Self.hasOrdinals(meta) else { return nil }
        var cursor = start
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
            if let next, let deadline, ContinuousClock.now >= deadline { return next }
        } while cursor != nil
        return nil
    }

    // MARK: - Banks waiting for their ordinals

    // A bank imported before ordinals existed and never imported since would draw from its whole
    // index for ever: a session start that meets one notes it here, and the maintenance function
    // gives the noted banks their ordinals (`MaintenanceFunction`, docs/data-layer.md).

    /// The partition of the notes, one item per bank (`bankId`, and `cursor` once a run has
    /// done part of the bank); no bank's partition (`BANK#…`) can be the same.
    static let backlogPartition = "ORDINALS#PENDING"

    /// Notes that `bankId` lacks ordinals. Best effort: a note that cannot be written now is
    /// written by the next start that meets the bank.
    package func noteMissingOrdinals(bankId: String) async {
        let item: Item = [
            table.partitionKey: .string(Self.backlogPartition), table.sortKey ?? "sk": .string(bankId), "bankId": .string(bankId),
        ]
        try? await store.put(item, into: table, if: .attributeNotExists(table.partitionKey))
    }

    /// Up to `limit` noted banks, with where a run stopped in each.
    package func banksMissingOrdinals(limit: Int) async throws(DataError) -> [(bankId: String, cursor: Cursor?)] {
        do {
            let page = try await store.query(Query(table, partition: Self.backlogPartition, limit: limit))
            return page.items.compactMap { item in
                item.string("bankId").map { ($0, item.string("cursor").map(Cursor.init(token:))) }
            }
        } catch {
            throw .storage(error)
        }
    }

    /// Records where a run stopped in `bankId` (`cursor`), or, with none, that it has them all.
    package func settleMissingOrdinals(bankId: String, cursor: Cursor?) async throws(DataError) {
        let key = Key(Self.backlogPartition, bankId)
        do {
            if let cursor {
                try await store.update(key, in: table, [.set("cursor", .string(cursor.token))], if: .attributeExists(table.partitionKey))
            } else {
                try await store.delete(key, from: table, if: nil)
            }
        } catch where error.code == .conditionFailed {
            // Someone else settled it first.
        } catch {
            throw .storage(error)
        }
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
