import QuizEngine
import QuizHTTP
import QuizObservability

// The JSON shapes of flashcard sessions (documented in openapi.yaml). The front of a card has no
// field for an answer; only `CardBackView`, built after the reveal, carries the correct ones.

/// A flashcard session's state, for `POST /sessions` and `GET /sessions/{sessionId}`.
struct FlashcardSessionView: Encodable, Sendable {
    var sessionId: String
    var mode = "flashcards"
    var bankId: String
    var source: String
    var category: String?
    var status: String
    var version: Int
    var cardCount: Int
    var learnedCount: Int
    var remainingCount: Int
    var reviews: Int
    var timeLimitSeconds: Int
    var timeRemainingSeconds: Int
    var startedAt: String
    var expiresAt: String
    var endedAt: String?
    var currentQuestionId: String?
    var revealed: Bool

    init(_ session: FlashcardSession, now: Int64) {
        sessionId = session.id
        bankId = session.bankId
        source = session.options.source.rawValue
        category = session.options.category
        status = session.effectiveStatus(now: now).rawValue
        version = session.version
        cardCount = session.cardCount
        learnedCount = session.learned.count
        remainingCount = session.cardCount - session.learned.count
        reviews = session.ratings.total
        timeLimitSeconds = session.options.timeLimitSeconds
        timeRemainingSeconds = session.timeRemainingSeconds(now: now)
        startedAt = InvocationLogger.iso8601(session.startedAt)
        expiresAt = InvocationLogger.iso8601(session.expiresAt)
        endedAt = session.endedAt.map(InvocationLogger.iso8601)
        currentQuestionId = session.current?.questionId
        revealed = session.current?.isRevealed ?? false
    }
}

/// The front of the card shown (`GET /sessions/{sessionId}/question` on a flashcard session):
/// the question's text, never its choices or answers.
struct CardFrontView: Encodable, Sendable {
    var mode = "flashcards"
    var questionId: String
    var bankId: String
    var category: String?
    var text: String
    /// Whether the back has been revealed already (a reload after the flip).
    var revealed: Bool
    /// This card's place among the cards still to rate, counting it: 1 of `cardsRemaining`.
    var cardsRemaining: Int
    var version: Int

    init(_ session: FlashcardSession, question: Question) {
        questionId = question.id
        bankId = session.bankId
        category = question.category
        text = question.text
        revealed = session.current?.isRevealed ?? false
        cardsRemaining = session.upcoming.count + (session.current == nil ? 0 : 1)
        version = session.version
    }
}

/// The back of the card shown (`POST /sessions/{sessionId}/reveal`): the correct answers' text
/// and the explanation.
struct CardBackView: Encodable, Sendable {
    struct Choice: Encodable, Sendable {
        var id: String
        var text: String
    }

    var questionId: String
    var bankId: String
    var text: String
    var answers: [Choice]
    var explanation: String?
    var timeToFlipMs: Int64
    var version: Int

    init(_ reveal: FlashcardReveal, question: Question) {
        let back = FlashcardBack(question: question)
        questionId = back.questionId
        bankId = reveal.card.bankId
        text = question.text
        answers = back.answers.map { Choice(id: $0.id, text: $0.text) }
        explanation = back.explanation
        timeToFlipMs = reveal.timeToFlipMs
        version = reveal.version
    }
}

/// A flashcard session's summary, once it has ended (or at `complete`).
struct FlashcardResultsView: Encodable, Sendable {
    struct Ratings: Encodable, Sendable {
        var again: Int
        var hard: Int
        var good: Int
        var easy: Int
    }

    var cardCount: Int
    var learnedCount: Int
    var reviews: Int
    var ratings: Ratings
    var durationSeconds: Int?

    init(_ results: FlashcardResults) {
        cardCount = results.cardCount
        learnedCount = results.learnedCount
        reviews = results.ratings.total
        ratings = Ratings(again: results.ratings.again, hard: results.ratings.hard, good: results.ratings.good, easy: results.ratings.easy)
        durationSeconds = results.endedAt.map { Int(($0 - results.startedAt) / 1000) }
    }
}

/// The answer to a rating (`POST /sessions/{sessionId}/answer` on a flashcard session).
struct RatingView: Encodable, Sendable {
    struct Progress: Encodable, Sendable {
        var cardCount: Int
        var learnedCount: Int
        var remainingCount: Int
        var reviews: Int
    }

    var questionId: String
    var rating: String
    var nextAction: String
    /// For `again`: how many other cards come before this one again.
    var comesBackAfter: Int?
    var timeToFlipMs: Int64
    /// The next card's front; `null` when the session is complete.
    var question: CardFrontView?
    var message: String
    var version: Int
    var progress: Progress
    var results: FlashcardResultsView?
    /// The rated card's memory after the rating.
    var memory: MemoryView

    private enum CodingKeys: String, CodingKey {
        case questionId, rating, nextAction, comesBackAfter, timeToFlipMs, question, message, version, progress, results, memory
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(questionId, forKey: .questionId)
        try container.encode(rating, forKey: .rating)
        try container.encode(nextAction, forKey: .nextAction)
        try container.encodeIfPresent(comesBackAfter, forKey: .comesBackAfter)
        try container.encode(timeToFlipMs, forKey: .timeToFlipMs)
        try container.encode(question, forKey: .question)
        try container.encode(message, forKey: .message)
        try container.encode(version, forKey: .version)
        try container.encode(progress, forKey: .progress)
        try container.encodeIfPresent(results, forKey: .results)
        try container.encode(memory, forKey: .memory)
    }
}
