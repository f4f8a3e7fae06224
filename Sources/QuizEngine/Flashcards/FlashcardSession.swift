/// A flashcard session as a pure state machine (docs/memory-model.md, "Flashcard sessions").
///
/// The learner sees a card's front, reveals its back, and rates their recall: `again`, `hard`,
/// `good` or `easy`. A card rated `again` comes back at least three cards later (last, when fewer
/// remain); the session is complete when every card has been rated better than `again`. Every
/// rating is one review of the card's memory (`FlashcardOutcome.review`).
///
/// Like `QuizSession`, it is a plain value a stateless handler loads, changes with one mutating
/// call and saves conditionally on the `version` it loaded, with the memory item and the
/// idempotency record, in one transaction. It shares the lifecycle rules (status, version, time
/// limit, idleness) through `SessionLifecycle`.
public struct FlashcardSession: Codable, Sendable, Hashable {
    /// How a flashcard session is set up (`POST /sessions` with `mode: flashcards`). Handlers
    /// validate the ranges.
    public struct Options: Codable, Sendable, Hashable {
        /// Where the cards came from.
        public var source: FlashcardDeck.Source
        /// The category, for `source == .category`.
        public var category: String?
        /// How many cards to hold at most.
        public var cardCount: Int
        /// How long the session may take, in seconds.
        public var timeLimitSeconds: Int

        /// Options; by default the daily review of up to 20 cards in 1800 seconds.
        public init(
            source: FlashcardDeck.Source = .due, category: String? = nil, cardCount: Int = 20,
            timeLimitSeconds: Int = 1800
        ) {
            self.source = source
            self.category = category
            self.cardCount = cardCount
            self.timeLimitSeconds = timeLimitSeconds
        }
    }

    /// How many other cards are shown before a card rated `again` comes back, when that many remain.
    public static let againSpacing = 3

    // MARK: - Identity and set-up

    /// The session's id.
    public let id: String
    /// The user the session belongs to.
    public let userId: String
    /// The bank the cards are questions of.
    public let bankId: String
    /// The options the session was started with.
    public let options: Options
    /// The cards, in the order they were first to be shown.
    public let cardIds: [String]

    // MARK: - State

    /// Status, version, time limit and idleness.
    public internal(set) var lifecycle: SessionLifecycle
    /// The card being shown; `nil` once the session has no more cards to show.
    public internal(set) var current: FlashcardServing?
    /// The cards to show after the current one, in order.
    public internal(set) var upcoming: [String]
    /// The cards rated better than `again`, in the order they were.
    public internal(set) var learned: [String]
    /// How many ratings of each kind the session recorded.
    public internal(set) var ratings: RatingCounts

    // MARK: - Lifecycle, forwarded

    /// When the session started.
    public var startedAt: EpochMilliseconds { lifecycle.startedAt }
    /// When the session's time runs out.
    public var expiresAt: EpochMilliseconds { lifecycle.expiresAt }
    /// Where the session is in its lifecycle.
    public var status: SessionStatus { lifecycle.status }
    /// The optimistic-locking counter: 1 when started, one more on every change.
    public var version: Int { lifecycle.version }
    /// When the session last changed.
    public var updatedAt: EpochMilliseconds { lifecycle.updatedAt }
    /// When the session ended.
    public var endedAt: EpochMilliseconds? { lifecycle.endedAt }

    /// How many cards the session holds.
    public var cardCount: Int { cardIds.count }

    /// What the session achieved so far; final once it has ended.
    public var results: FlashcardResults {
        FlashcardResults(
            sessionId: id, status: status, cardCount: cardCount, learnedCount: learned.count, ratings: ratings,
            startedAt: startedAt, endedAt: endedAt
        )
    }

    // MARK: - Starting

    /// Starts a session with `cards` (from `FlashcardDeck.cards(from:…)`), showing the first.
    /// Duplicate ids count once. The session is `started` at version 1.
    ///
    /// - Throws: `noCards` when `cards` is empty.
    public static func start(
        id: String, userId: String, bankId: String, options: Options = Options(), cards: [String],
        now: EpochMilliseconds
    ) throws(FlashcardError) -> FlashcardSession {
        let deck = QuestionPicker.takeQuestionSet(from: cards, count: cards.count)
        guard let first = deck.first else { throw .noCards }
        return FlashcardSession(
            id: id, userId: userId, bankId: bankId, options: options, cardIds: deck,
            lifecycle: SessionLifecycle(startedAt: now, timeLimitSeconds: options.timeLimitSeconds),
            current: FlashcardServing(questionId: first, shownAt: now), upcoming: Array(deck.dropFirst()),
            learned: [], ratings: RatingCounts()
        )
    }

    /// A session exactly as a store saved it, field by field; nothing is checked or recomputed.
    public init(
        id: String, userId: String, bankId: String, options: Options, cardIds: [String], lifecycle: SessionLifecycle,
        current: FlashcardServing?, upcoming: [String], learned: [String], ratings: RatingCounts
    ) {
        self.id = id
        self.userId = userId
        self.bankId = bankId
        self.options = options
        self.cardIds = cardIds
        self.lifecycle = lifecycle
        self.current = current
        self.upcoming = upcoming
        self.learned = learned
        self.ratings = ratings
    }

    // MARK: - Lifecycle

    /// The status as a reader should see it at `now` (`expired` once past `expiresAt`).
    public func effectiveStatus(now: EpochMilliseconds) -> SessionStatus {
        lifecycle.effectiveStatus(now: now)
    }

    /// Whole seconds left before `expiresAt`, rounded up; 0 once the session has ended.
    public func timeRemainingSeconds(now: EpochMilliseconds) -> Int {
        lifecycle.timeRemainingSeconds(now: now)
    }

    /// Completes the session at the user's request, whatever is left, and returns the results.
    /// Completing a completed session changes nothing.
    ///
    /// - Throws: `expired` after `expiresAt` (the session is then marked so: save it); `notActive`
    ///   for an abandoned session.
    @discardableResult
    public mutating func complete(now: EpochMilliseconds) throws(FlashcardError) -> FlashcardResults {
        do {
            if try lifecycle.complete(now: now) {
                current = nil
            }
        } catch {
            throw FlashcardError(error)
        }
        return results
    }

    /// Gives the session up. Abandoning an abandoned session changes nothing.
    ///
    /// - Throws: `expired` after `expiresAt` (the session is then marked so: save it); `notActive`
    ///   for a completed session.
    public mutating func abandon(now: EpochMilliseconds) throws(FlashcardError) {
        do {
            try lifecycle.abandon(now: now)
        } catch {
            throw FlashcardError(error)
        }
    }

    /// The maintenance step: abandons a session idle for `idleLimitSeconds`, expires one past its
    /// time limit.
    ///
    /// - Returns: the new status when the session changed (save it), `nil` when it did not.
    @discardableResult
    public mutating func sweep(
        now: EpochMilliseconds, idleLimitSeconds: Int = SessionLifecycle.defaultIdleLimitSeconds
    ) -> SessionStatus? {
        lifecycle.sweep(now: now, idleLimitSeconds: idleLimitSeconds)
    }

    /// Throws unless the session takes changes at `now` (see `SessionLifecycle`).
    mutating func ensureActive(now: EpochMilliseconds) throws(FlashcardError) {
        do {
            try lifecycle.ensureActive(now: now)
        } catch {
            throw FlashcardError(error)
        }
    }
}

// MARK: - Serving

/// One showing of a card: which card, when it was shown, and whether and when its back was
/// revealed.
public struct FlashcardServing: Codable, Sendable, Hashable {
    /// The card (a question of the session's bank).
    public var questionId: String
    /// When the card became the one shown: the session's start for the first card, the previous
    /// rating for the others.
    public var shownAt: EpochMilliseconds
    /// When the back was revealed; `nil` while only the front is shown.
    public var revealedAt: EpochMilliseconds?
    /// From `shownAt` to `revealedAt`, in milliseconds, as the server measured it.
    public var timeToFlipMs: Int64?

    /// A showing, field by field.
    public init(
        questionId: String, shownAt: EpochMilliseconds, revealedAt: EpochMilliseconds? = nil, timeToFlipMs: Int64? = nil
    ) {
        self.questionId = questionId
        self.shownAt = shownAt
        self.revealedAt = revealedAt
        self.timeToFlipMs = timeToFlipMs
    }

    /// Whether the back has been revealed.
    public var isRevealed: Bool { revealedAt != nil }
}

// MARK: - Results

/// How many ratings of each kind.
public struct RatingCounts: Codable, Sendable, Hashable {
    /// `again` ratings.
    public var again: Int
    /// `hard` ratings.
    public var hard: Int
    /// `good` ratings.
    public var good: Int
    /// `easy` ratings.
    public var easy: Int

    /// Counts; all 0 by default.
    public init(again: Int = 0, hard: Int = 0, good: Int = 0, easy: Int = 0) {
        self.again = again
        self.hard = hard
        self.good = good
        self.easy = easy
    }

    /// All ratings.
    public var total: Int { again + hard + good + easy }

    /// Counts one more `rating`.
    public mutating func record(_ rating: ReviewRating) {
        switch rating {
        case .again: again += 1
        case .hard: hard += 1
        case .good: good += 1
        case .easy: easy += 1
        }
    }
}

/// The summary of a flashcard session.
public struct FlashcardResults: Codable, Sendable, Hashable {
    /// The session summarised.
    public var sessionId: String
    /// Its status when summarised.
    public var status: SessionStatus
    /// How many cards it holds.
    public var cardCount: Int
    /// How many of them were rated better than `again`.
    public var learnedCount: Int
    /// The ratings given, by kind; `ratings.total` is the number of reviews.
    public var ratings: RatingCounts
    /// When the session started.
    public var startedAt: EpochMilliseconds
    /// When it ended; `nil` while it is active.
    public var endedAt: EpochMilliseconds?

    /// A summary.
    public init(
        sessionId: String, status: SessionStatus, cardCount: Int, learnedCount: Int, ratings: RatingCounts,
        startedAt: EpochMilliseconds, endedAt: EpochMilliseconds?
    ) {
        self.sessionId = sessionId
        self.status = status
        self.cardCount = cardCount
        self.learnedCount = learnedCount
        self.ratings = ratings
        self.startedAt = startedAt
        self.endedAt = endedAt
    }
}
