import QuizStore

/// The ordinal slots one import transaction changes, worked out question by question before the
/// transaction is sent (docs/data-layer.md, "Drawing a session").
///
/// Every question of a bank holds a bank-wide ordinal, dense from 0 and never changed once given
/// (questions are never deleted), and, when it has a category, an ordinal within its category,
/// dense from 0 as well. A slot item per ordinal names the question holding it, so a session draws
/// by reading random slots. A question that leaves a category gives its slot to the category's
/// last question (swap-remove), so the category stays dense.
///
/// The plan reads what it needs as it goes — a category's counter the first time the category is
/// touched, the slot at a category's tail when a question leaves it — and keeps every change in
/// memory, so a slot or a question written twice within the transaction is written once, as it
/// ends up. The transaction is guarded by the bank's `ordinalCount` and each touched category's
/// `revision`: if another import changed any of them in between, the whole transaction fails and
/// is planned again. Slots therefore never show a gap or a duplicate, at any moment.
struct OrdinalPlan {
    /// Where a question of the chunk ends up.
    struct Placement: Sendable, Hashable {
        /// Its bank-wide ordinal.
        var ordinal: Int64
        /// Its ordinal within its category; `nil` without a category.
        var categoryOrdinal: Int64?
    }

    /// The slots read do not agree with the counters read: another import is half-way through
    /// changing them. The chunk is planned again from fresh reads.
    struct Stale: Error {}

    /// One category's counter and the slots changed in it.
    private struct CategoryState {
        /// The counter's revision as read; `nil` when the category had no counter.
        var readRevision: Int64?
        var count: Int64
        /// Slots as they end up: a question id, or `nil` for a slot deleted.
        var slots: [Int64: String?] = [:]
    }

    /// A question not placed (yet) whose category ordinal changes: it took a leaving question's slot.
    private struct Relocation {
        var category: String
        var from: Int64
        var to: Int64
    }

    let bankId: String
    let table: TableSchema
    /// The bank's `ordinalCount` as read.
    let readOrdinalCount: Int64
    /// The bank's `ordinalCount` after the plan.
    private(set) var ordinalCount: Int64
    private var categories: [String: CategoryState] = [:]
    private(set) var placements: [String: Placement] = [:]
    /// Questions moved to another slot of their category and not placed: written as updates of
    /// their own unless placed later, when their put carries the new ordinal instead.
    private var relocations: [String: Relocation] = [:]

    /// The attributes the plan keeps on a question item, the bank's summary and a category counter.
    static let ordinalAttribute = "ordinal"
    static let categoryOrdinalAttribute = "categoryOrdinal"
    static let ordinalCountAttribute = "ordinalCount"
    static let slotCountAttribute = "slotCount"
    static let revisionAttribute = "revision"

    /// A plan on top of the bank's summary as read (`nil`: a new bank).
    init(bankId: String, table: TableSchema, meta: Item?) {
        self.bankId = bankId
        self.table = table
        readOrdinalCount = meta?.int(Self.ordinalCountAttribute) ?? 0
        ordinalCount = readOrdinalCount
    }

    // MARK: - Placing

    /// Places a question of the chunk: it keeps its bank ordinal when it has one and gets the next
    /// one otherwise; it keeps its category ordinal when it stays in its category, and otherwise
    /// leaves the old category (when it had a slot there) and joins the tail of the new one.
    ///
    /// - Parameters:
    ///   - stored: the question item as read, `nil` for a new question.
    ///   - category: its category after the write.
    mutating func place(_ questionId: String, stored: Item?, category: String?, store: any TableStore) async throws -> Placement {
        let storedOrdinal = stored?.int(Self.ordinalAttribute)
        let ordinal: Int64
        if let storedOrdinal {
            ordinal = storedOrdinal
        } else {
            ordinal = ordinalCount
            ordinalCount += 1
        }
        // Only a question with a bank ordinal has a category slot: both are always given together.
        let storedCategory = storedOrdinal == nil ? nil : stored?.string("category")
        let storedCategoryOrdinal = relocations.removeValue(forKey: questionId)?.to ?? stored?.int(Self.categoryOrdinalAttribute)
        var categoryOrdinal: Int64?
        if let storedCategory, storedCategory == category, let storedCategoryOrdinal {
            categoryOrdinal = storedCategoryOrdinal
        } else {
            if let storedCategory, let storedCategoryOrdinal {
                try await remove(questionId, from: storedCategory, at: storedCategoryOrdinal, store: store)
            }
            if let category { categoryOrdinal = try await append(questionId, to: category, store: store) }
        }
        let placement = Placement(ordinal: ordinal, categoryOrdinal: categoryOrdinal)
        placements[questionId] = placement
        return placement
    }

    private mutating func state(of category: String, store: any TableStore) async throws -> CategoryState {
        if let state = categories[category] { return state }
        let counter = try await store.get(Keys.categoryCounter(bankId, category: category), from: table)
        let state = CategoryState(
            readRevision: counter?.int(Self.revisionAttribute), count: counter?.int(Self.slotCountAttribute) ?? 0)
        categories[category] = state
        return state
    }

    private func slot(_ ordinal: Int64, of category: String, in state: CategoryState, store: any TableStore) async throws -> String? {
        if let changed = state.slots[ordinal] { return changed }
        return try await store.get(Keys.categorySlot(bankId, category: category, ordinal), from: table)?.string("questionId")
    }

    /// Swap-remove: the category's last question takes the leaving question's slot.
    private mutating func remove(_ questionId: String, from category: String, at ordinal: Int64, store: any TableStore) async throws {
        var state = try await state(of: category, store: store)
        let tail = state.count - 1
        guard ordinal <= tail, try await slot(ordinal, of: category, in: state, store: store) == questionId,
            let last = try await slot(tail, of: category, in: state, store: store)
        else { throw Stale() }
        if tail != ordinal {
            state.slots[ordinal] = .some(last)
            relocate(last, in: category, to: ordinal, from: tail)
        }
        state.slots[tail] = .some(nil)
        state.count = tail
        categories[category] = state
    }

    private mutating func append(_ questionId: String, to category: String, store: any TableStore) async throws -> Int64 {
        var state = try await state(of: category, store: store)
        let ordinal = state.count
        state.slots[ordinal] = .some(questionId)
        state.count += 1
        categories[category] = state
        return ordinal
    }

    private mutating func relocate(_ questionId: String, in category: String, to ordinal: Int64, from old: Int64) {
        if placements[questionId] != nil {
            placements[questionId]?.categoryOrdinal = ordinal
        } else if relocations[questionId] != nil {
            relocations[questionId]?.to = ordinal
        } else {
            relocations[questionId] = Relocation(category: category, from: old, to: ordinal)
        }
    }

    // MARK: - Writes

    /// How many writes `writes()` returns now.
    var writeCount: Int {
        Int(ordinalCount - readOrdinalCount) + relocations.count + categories.values.reduce(0) { $0 + $1.slots.count + 1 }
    }

    /// The most writes placing one more question can add here (new bank slot; leaving one category:
    /// two slots, a counter, a relocated question; joining another: a slot, a counter).
    static let writesPerPlacement = 7

    /// The slots, counters and relocated questions, each under its part.
    func writes() -> [(TransactionWrite, WritePlan.Part)] {
        var writes: [(TransactionWrite, WritePlan.Part)] = []
        for ordinal in readOrdinalCount..<ordinalCount {
            guard let id = placements.first(where: { $0.value.ordinal == ordinal })?.key else { continue }
            writes.append((.put(slotItem(Keys.ordinalSlot(bankId, ordinal), id), into: table, if: .itemNotExists), .ordinalSlot))
        }
        for (category, state) in categories.sorted(by: { $0.key < $1.key }) {
            for (ordinal, id) in state.slots.sorted(by: { $0.key < $1.key }) {
                let key = Keys.categorySlot(bankId, category: category, ordinal)
                if let id {
                    writes.append((.put(slotItem(key, id), into: table), .ordinalSlot))
                } else {
                    writes.append((.delete(key, from: table), .ordinalSlot))
                }
            }
            let counter = Keys.categoryCounter(bankId, category: category)
            writes.append((
                .update(
                    counter, in: table,
                    [.set(Self.slotCountAttribute, .int(state.count)), .set(Self.revisionAttribute, .int((state.readRevision ?? 0) + 1))],
                    if: state.readRevision.map { .equals(Self.revisionAttribute, .int($0)) } ?? .itemNotExists),
                .categoryCounter))
        }
        for (id, relocation) in relocations.sorted(by: { $0.key < $1.key }) {
            writes.append((
                .update(
                    // The revision moves too, so an import that read the question before fails its condition.
                    Keys.question(bankId, id), in: table,
                    [.set(Self.categoryOrdinalAttribute, .int(relocation.to)), .add(Self.revisionAttribute, Number(1))],
                    if: .equals(Self.categoryOrdinalAttribute, .int(relocation.from)) && .equals("category", .string(relocation.category))),
                .questionOrdinal))
        }
        return writes
    }

    /// What the bank's summary update adds for the ordinals, and the condition that guards them:
    /// `ordinalCount` still as read.
    var metaActions: [UpdateAction] {
        ordinalCount == readOrdinalCount ? [] : [.set(Self.ordinalCountAttribute, .int(ordinalCount))]
    }

    var metaCondition: Condition? {
        guard ordinalCount != readOrdinalCount else { return nil }
        let asRead = Condition.equals(Self.ordinalCountAttribute, .int(readOrdinalCount))
        return readOrdinalCount == 0 ? .attributeNotExists(Self.ordinalCountAttribute) || asRead : asRead
    }

    private func slotItem(_ key: Key, _ questionId: String) -> Item {
        ["pk": .string(key.partition), "sk": .string(key.sort ?? ""), "questionId": .string(questionId)]
    }
}
