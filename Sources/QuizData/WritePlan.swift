import QuizStore

/// The writes of one transaction, each under the name of the part of the request it stores: the
/// session, the pool's entry, index items and summary, the progress counters, the idempotency
/// completion. A cancelled transaction is read back by part ("the session moved", "the pool
/// moved") from its cancellation reasons, never by a write's position.
///
/// A feature that stores more in the same transaction adds a part of its own (`Part("memory")`)
/// and asks `failedParts` about it; nothing else changes.
package struct WritePlan: Sendable {
    /// What one write of the plan stores.
    package struct Part: Sendable, Hashable, CustomStringConvertible {
        package let name: String

        package init(_ name: String) { self.name = name }

        package var description: String { name }

        /// The session item, conditional on the version it was read at (or on being new).
        package static let session = Part("session")
        /// The active-session index item the maintenance sweep reads.
        package static let activeIndex = Part("activeIndex")
        /// The user's progress counters.
        package static let progress = Part("progress")
        /// A pool entry, conditional on its own version (or on being new).
        package static let poolEntry = Part("poolEntry")
        /// The pool's index items (by age, by session).
        package static let poolIndex = Part("poolIndex")
        /// The pool's counters.
        package static let poolSummary = Part("poolSummary")
        /// The idempotency record's completion, conditional on the request's hold.
        package static let idempotency = Part("idempotency")
        /// A question of a bank, conditional on its revision (or on being new).
        package static let question = Part("question")
        /// A question's category index item.
        package static let questionIndex = Part("questionIndex")
        /// A bank's summary.
        package static let bankMeta = Part("bankMeta")
        /// A slot of a bank's or a category's ordinals (docs/data-layer.md, "Drawing a session").
        package static let ordinalSlot = Part("ordinalSlot")
        /// A category's count of slots, conditional on its revision.
        package static let categoryCounter = Part("categoryCounter")
        /// A question outside the import that moved to another slot of its category.
        package static let questionOrdinal = Part("questionOrdinal")
        /// The counters of one category: answers and memory totals (`CategoryProgressRecord`).
        package static let categoryProgress = Part("categoryProgress")
        /// A memory item, conditional on its version (or on being new) (`MemoryRecord`).
        package static let memory = Part("memory")
        /// A memory item's due-index items.
        package static let memoryIndex = Part("memoryIndex")
        /// The due-hour counters of the memory model (`MemoryRecord.hourKey`) that a review adds to.
        package static let memoryCounters = Part("memoryCounters")
        /// The due-hour bucket a review takes its question out of, while it keeps others: a
        /// decrement conditional on `n > 1` (`HourBucketHints`).
        package static let memoryHourLeave = Part("memoryHourLeave")
        /// The due-hour bucket a review takes its last question out of: a deletion conditional on
        /// `n > 1` not holding (`HourBucketHints`).
        package static let memoryHourEmpty = Part("memoryHourEmpty")
    }

    /// The writes, in the order they are sent.
    package private(set) var writes: [TransactionWrite] = []
    /// The part of each write, at the same positions.
    package private(set) var parts: [Part] = []

    /// An empty plan with room for `capacity` writes (an answer's plan holds about ten).
    package init(capacity: Int = 12) {
        writes.reserveCapacity(capacity)
        parts.reserveCapacity(capacity)
    }

    /// Whether the plan writes nothing.
    package var isEmpty: Bool { writes.isEmpty }

    /// How many writes the plan holds.
    package var count: Int { writes.count }

    /// Adds a write of `part`.
    package mutating func add(_ write: TransactionWrite, as part: Part) {
        writes.append(write)
        parts.append(part)
    }

    /// Adds writes of `part`.
    package mutating func add(_ writes: [TransactionWrite], as part: Part) {
        for write in writes { add(write, as: part) }
    }

    /// Adds atomic additions to the item at `key`: merged into the plan's update of that item when
    /// it already holds one (an item may appear only once in a transaction), a new update of
    /// `part` otherwise. Nothing is added for no actions.
    package mutating func addAdditions(_ actions: [UpdateAction], to key: Key, in table: TableSchema, as part: Part) {
        let additions = actions
        guard !additions.isEmpty else { return }
        for (index, write) in writes.enumerated() {
            guard case .update(let other, let otherTable, let existing, nil) = write, other == key, otherTable == table else { continue }
            writes[index] = .update(key, in: table, Self.summed(existing + additions))
            return
        }
        add(.update(key, in: table, Self.summed(additions)), as: part)
    }

    /// One action per attribute, as an update requires: additions to one attribute summed in
    /// place, in first-seen order (a dozen actions at most: no hashing); of two other actions on
    /// one attribute, the later one.
    private static func summed(_ actions: [UpdateAction]) -> [UpdateAction] {
        var result: [UpdateAction] = []
        result.reserveCapacity(actions.count)
        for action in actions {
            guard let index = result.firstIndex(where: { $0.attribute == action.attribute }) else {
                result.append(action)
                continue
            }
            if case .add(let name, let delta) = action, case .add(_, let sum) = result[index] {
                result[index] = .add(name, sum.adding(delta) ?? sum)
            } else {
                result[index] = action
            }
        }
        return result
    }

    /// Whether the plan holds a write of `part`.
    package func contains(_ part: Part) -> Bool { parts.contains(part) }

    /// The parts whose condition failed in a cancellation of this plan's transaction; `nil`
    /// when the reasons do not line up with the writes (another server's answer, a defect), so
    /// nothing can be said about which part failed.
    package func failedParts(in error: TableError) -> Set<Part>? {
        guard error.code == .transactionCanceled, error.cancellationReasons.count == parts.count else { return nil }
        var failed = Set<Part>()
        for (part, reason) in zip(parts, error.cancellationReasons) where reason.code == .conditionFailed {
            failed.insert(part)
        }
        return failed
    }

    /// What a cancellation reason carries for the first write of `part` (the item as it was,
    /// for a failed condition); `nil` when the reasons do not line up.
    package func reason(for part: Part, in error: TableError) -> CancellationReason? {
        guard error.cancellationReasons.count == parts.count, let index = parts.firstIndex(of: part) else { return nil }
        return error.cancellationReasons[index]
    }
}
