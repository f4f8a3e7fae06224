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
