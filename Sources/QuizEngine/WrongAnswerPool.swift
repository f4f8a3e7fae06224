/// A user's wrong-answer pool, shared by all of that user's sessions (docs/http-contract.md#adaptive-rules).
///
/// Questions answered correctly only after a wrong try enter with two tries to go; each first-try
/// correct answer takes one off, and at zero the entry leaves (mastered); a wrong answer puts it back
/// to two. Entries are kept oldest first, so that "the oldest entry" and "this session's entries,
/// oldest first" are simple scans. The pool is a plain value: a handler loads it, passes it to
/// `QuizSession.answer`, and saves it with the session in one transaction (docs/http-contract.md#sessions).
public struct WrongAnswerPool: Codable, Sendable, Hashable {
    /// The tries an entry gets when it enters or is reset (`remainingTries = 2`).
    public static let triesToMaster = 2

    /// The entries, oldest first (by `enteredAt`, ties broken by bank and question id).
    public private(set) var entries: [PoolEntry]
    /// Goes up by one on every change, for a handler that stores the pool as one item and writes it
    /// conditionally: two sessions of one user may answer at the same time.
    public private(set) var version: Int

    /// A pool holding `entries`, in any order; of two entries for the same question the older stays.
    public init(entries: [PoolEntry] = [], version: Int = 0) {
        let sorted = entries.sorted(by: PoolEntry.isOlder)
        if sorted.count <= 16 {
            // The few entries an answer reads: a search of those kept beats hashing every ref.
            var kept: [PoolEntry] = []
            kept.reserveCapacity(sorted.count)
            for entry in sorted where !kept.contains(where: { $0.bankId == entry.bankId && $0.questionId == entry.questionId }) {
                kept.append(entry)
            }
            self.entries = kept
        } else {
            var seen = Set<QuestionRef>()
            self.entries = sorted.filter { seen.insert($0.ref).inserted }
        }
        self.version = version
    }

    /// A pool from entries as a pool stored them: oldest first, one per question. The order is
    /// checked in one pass and the entries taken as they are, sparing the sort and the hashing of
    /// the general initialiser on every request; entries out of order go through it instead.
    /// Uniqueness is not checked again: stored entries come from a pool, which never holds two
    /// entries for one question.
    public init(storedEntries entries: [PoolEntry], version: Int) {
        guard zip(entries, entries.dropFirst()).allSatisfy({ PoolEntry.isOlder($0, than: $1) }) else {
            self.init(entries: entries, version: version)
            return
        }
        self.init(ordered: entries, version: version)
    }

    private init(ordered entries: [PoolEntry], version: Int) {
        self.entries = entries
        self.version = version
    }

    private enum CodingKeys: String, CodingKey {
        case entries, version
    }

    /// Decodes a pool and restores its order, whoever wrote the stored item.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            entries: try container.decode([PoolEntry].self, forKey: .entries),
            version: try container.decode(Int.self, forKey: .version)
        )
    }

    // MARK: - Reading

    /// Whether the pool has no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The entry for `ref`, if the question is in the pool.
    public func entry(for ref: QuestionRef) -> PoolEntry? {
        entries.first { $0.ref == ref }
    }

    /// The oldest entry whose question is not `excluded` (the question just answered).
    public func oldestEntry(excluding excluded: QuestionRef? = nil) -> PoolEntry? {
        entries.first { $0.ref != excluded }
    }

    /// The entries owned by session `sessionId`, oldest first.
    public func entries(ownedBy sessionId: String) -> [PoolEntry] {
        entries.filter { $0.sessionId == sessionId }
    }

    /// The pool summary shown with every answer, e.g. `(+2 Questions @ 2 Tries) (+1 Question @ 1 Try)`;
    /// empty when the pool is.
    public var penaltyIndicator: String { PenaltyIndicator(entries: entries).text }

    // MARK: - Recording answers (docs/http-contract.md#adaptive-rules)

    /// Records a wrong answer to `ref` in session `sessionId`: an entry for it goes back to
    /// `triesToMaster` tries and to that session, keeping its `enteredAt`. A question not in the pool
    /// is not added yet; it enters once it is answered correctly after the wrong tries.
    public mutating func recordWrongAnswer(to ref: QuestionRef, sessionId: String) -> PoolChange {
        guard let index = entries.firstIndex(where: { $0.ref == ref }) else { return .unchanged }
        return reset(at: index, sessionId: sessionId)
    }

    /// Records a correct answer to `ref` in session `sessionId` at `now`.
    ///
    /// - `firstTry` and in the pool: one try off; at zero the entry leaves (mastered).
    /// - `firstTry` and not in the pool: nothing to do.
    /// - after wrong tries: the question enters with `triesToMaster` tries and `enteredAt = now`, or
    ///   an existing entry is reset to `triesToMaster` (keeping `enteredAt`).
    public mutating func recordCorrectAnswer(
        to ref: QuestionRef, firstTry: Bool, sessionId: String, now: EpochMilliseconds
    ) -> PoolChange {
        let index = entries.firstIndex { $0.ref == ref }
        switch (firstTry, index) {
        case (true, nil):
            return .unchanged
        case (true, let index?):
            entries[index].remainingTries -= 1
            version += 1
            guard entries[index].remainingTries <= 0 else { return .decremented(entries[index]) }
            var mastered = entries.remove(at: index)
            mastered.remainingTries = 0
            return .mastered(mastered)
        case (false, let index?):
            return reset(at: index, sessionId: sessionId)
        case (false, nil):
            let entry = PoolEntry(
                bankId: ref.bankId, questionId: ref.questionId, enteredAt: now, sessionId: sessionId
            )
            let position = entries.firstIndex { PoolEntry.isOlder(entry, than: $0) } ?? entries.endIndex
            entries.insert(entry, at: position)
            version += 1
            return .entered(entry)
        }
    }

    private mutating func reset(at index: Int, sessionId: String) -> PoolChange {
        var entry = entries[index]
        entry.remainingTries = Self.triesToMaster
        // The session that missed it owns it now, so that session reviews it before completing;
        // enteredAt stays, so the entry keeps its place among the oldest.
        entry.sessionId = sessionId
        guard entry != entries[index] else { return .unchanged }
        entries[index] = entry
        version += 1
        return .reset(entry)
    }
}

// MARK: - Entries

/// One question in a user's wrong-answer pool (docs/http-contract.md#adaptive-rules): the question, when it entered the
/// pool, how many first-try correct answers it still needs, and the session that owns it.
public struct PoolEntry: Codable, Sendable, Hashable {
    /// The bank holding the question.
    public var bankId: String
    /// The question's id within its bank.
    public var questionId: String
    /// When the question entered the pool; "oldest" means the smallest value. A reset keeps it, so a
    /// question that keeps being missed does not move to the back of the review queue.
    public var enteredAt: EpochMilliseconds
    /// First-try correct answers still needed before the entry leaves the pool (mastered).
    public var remainingTries: Int
    /// The session that put the entry into the pool, or that last missed it: the session that must
    /// review it before it can complete (once its set is done, a session serves its own remaining pool entries).
    public var sessionId: String

    /// An entry.
    public init(
        bankId: String, questionId: String, enteredAt: EpochMilliseconds,
        remainingTries: Int = WrongAnswerPool.triesToMaster, sessionId: String
    ) {
        self.bankId = bankId
        self.questionId = questionId
        self.enteredAt = enteredAt
        self.remainingTries = remainingTries
        self.sessionId = sessionId
    }

    /// The question this entry is about.
    public var ref: QuestionRef { QuestionRef(bankId: bankId, questionId: questionId) }

    /// Whether `lhs` comes before `rhs` in review order: earlier `enteredAt` first, then by question,
    /// so that entries that entered in the same millisecond still have one order in every process.
    static func isOlder(_ lhs: PoolEntry, than rhs: PoolEntry) -> Bool {
        if lhs.enteredAt != rhs.enteredAt { return lhs.enteredAt < rhs.enteredAt }
        return lhs.ref < rhs.ref
    }
}

/// What one answer did to the wrong-answer pool, so that a handler storing one item per entry knows
/// what to write: `entered`, `reset` and `decremented` put the entry, `mastered` deletes it.
public enum PoolChange: Codable, Sendable, Hashable {
    /// The pool is as it was.
    case unchanged
    /// The question entered the pool with two tries to go (correct after wrong tries).
    case entered(PoolEntry)
    /// An existing entry went back to two tries (a wrong answer, or correct after wrong tries); it
    /// keeps its `enteredAt` and now belongs to the answering session.
    case reset(PoolEntry)
    /// A first-try correct answer took one try off the entry, which stays in the pool.
    case decremented(PoolEntry)
    /// A first-try correct answer took the last try: the entry (shown with 0 tries) left the pool.
    case mastered(PoolEntry)

    /// The entry concerned, as it is after the change; `nil` when nothing changed.
    public var entry: PoolEntry? {
        switch self {
        case .unchanged: nil
        case .entered(let entry), .reset(let entry), .decremented(let entry), .mastered(let entry): entry
        }
    }
}

// MARK: - Penalty indicator

/// The summary of a wrong-answer pool that accompanies every answer (docs/http-contract.md#adaptive-rules):
/// one group per number of remaining tries, most tries first, e.g. `(+2 Questions @ 2 Tries) (+1 Question @ 1
/// Try)`.
public struct PenaltyIndicator: Sendable, Hashable, CustomStringConvertible {
    /// The pool entries that have the same number of remaining tries.
    public struct Group: Sendable, Hashable {
        /// The tries each of these entries still needs.
        public var remainingTries: Int
        /// How many entries need that many tries.
        public var questionCount: Int

        /// A group.
        public init(remainingTries: Int, questionCount: Int) {
            self.remainingTries = remainingTries
            self.questionCount = questionCount
        }

        /// `(+1 Question @ 2 Tries)`, with singular and plural as the product shows them.
        public var text: String {
            let questions = questionCount == 1 ? "Question" : "Questions"
            let tries = remainingTries == 1 ? "Try" : "Tries"
            return "(+\(questionCount) \(questions) @ \(remainingTries) \(tries))"
        }
    }

    /// The groups, most remaining tries first; empty for an empty pool.
    public let groups: [Group]

    /// The indicator for a pool's entries.
    public init(entries: [PoolEntry]) {
        // Tries are 1 or 2 in practice: count small values in an array, the rare others in a dictionary.
        var small = [Int](repeating: 0, count: WrongAnswerPool.triesToMaster + 1)
        var other: [Int: Int] = [:]
        for entry in entries {
            if (0..<small.count).contains(entry.remainingTries) {
                small[entry.remainingTries] += 1
            } else {
                other[entry.remainingTries, default: 0] += 1
            }
        }
        for (tries, count) in small.enumerated() where count > 0 { other[tries] = count }
        groups = other.keys.sorted(by: >).map { Group(remainingTries: $0, questionCount: other[$0] ?? 0) }
    }

    /// The indicator for `pool`.
    public init(pool: WrongAnswerPool) {
        self.init(entries: pool.entries)
    }

    /// The indicator for a pool known only by how many entries have each number of remaining
    /// tries (a store that keeps counters instead of reading every entry); counts of 0 or less
    /// are left out.
    public init(countsByRemainingTries counts: [Int: Int]) {
        groups = counts.filter { $0.value > 0 }.keys.sorted(by: >).map { Group(remainingTries: $0, questionCount: counts[$0] ?? 0) }
    }

    /// The groups' texts separated by single spaces; the empty string for an empty pool.
    public var text: String { groups.map(\.text).joined(separator: " ") }

    /// The same as `text`.
    public var description: String { text }
}
