/// One quiz session as a pure state machine (docs/http-contract.md#adaptive-rules and
/// #sessions; state machines as pure structs whose mutating methods return what the owner must
/// do, docs/contributing.md#house-rules).
///
/// A stateless handler loads the session and the user's `WrongAnswerPool`, calls one mutating method,
/// and saves both (with the progress counters and the idempotency record) in one transaction,
/// conditional on the `version` it loaded. `version` goes up by exactly one on every call that changes
/// the session and stays put otherwise, so "did the version move?" also tells whether to write.
///
/// The flow of a session:
/// 1. `start(...)` draws the question set and picks the first question (`pendingQuestion`).
/// 2. The handler loads that question from its bank and calls `serve(_:now:using:)`, which fixes the
///    choice order (`currentQuestion`).
/// 3. `answer(...)` grades the current question; the outcome says whether to retry it (already
///    re-served), to serve a newly picked question (back to step 2) or that the session is complete.
public struct QuizSession: Codable, Sendable, Hashable {
    /// How a session is set up (`POST /sessions` in `openapi.yaml`). Handlers validate the ranges.
    public struct Options: Codable, Sendable, Hashable {
        /// The category the questions were drawn from; `nil` for the whole bank.
        public var category: String?
        /// How many questions to draw; fewer when the bank (or category) has fewer.
        public var questionCount: Int
        /// How long the session may take, in seconds.
        public var timeLimitSeconds: Int
        /// Whether first servings show the choices shuffled; otherwise in bank order. Retries are
        /// always reshuffled.
        public var shuffleChoices: Bool
        /// How the set is drawn and served: at random (`quiz`) or in the order given (`review`).
        public var mode: Mode

        /// Options with the API's defaults: 10 questions, 1800 seconds, shuffled choices, quiz mode.
        public init(
            category: String? = nil, questionCount: Int = 10, timeLimitSeconds: Int = 1800, shuffleChoices: Bool = true,
            mode: Mode = .quiz
        ) {
            self.category = category
            self.questionCount = questionCount
            self.timeLimitSeconds = timeLimitSeconds
            self.shuffleChoices = shuffleChoices
            self.mode = mode
        }

        private enum CodingKeys: String, CodingKey {
            case category, questionCount, timeLimitSeconds, shuffleChoices, mode
        }

        /// Decodes options; options saved before sessions had modes are `quiz` sessions.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            category = try container.decodeIfPresent(String.self, forKey: .category)
            questionCount = try container.decode(Int.self, forKey: .questionCount)
            timeLimitSeconds = try container.decode(Int.self, forKey: .timeLimitSeconds)
            shuffleChoices = try container.decode(Bool.self, forKey: .shuffleChoices)
            mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? .quiz
        }
    }

    /// How a session's questions are chosen (docs/memory-model.md). The raw values are the API's
    /// `mode` spellings; flashcard sessions are `FlashcardSession`s.
    public enum Mode: String, Codable, Sendable, Hashable, CaseIterable {
        /// The set is drawn at random and served in random order (the adaptive rules).
        case quiz
        /// The set is the given questions in the given order (`ReviewOrder`: due first, least
        /// likely recalled first, then new), served in that order; the retry and pool rules are
        /// those of `quiz`.
        case review
    }

    // MARK: - Identity and set-up

    /// The session's id.
    public let id: String
    /// The user the session belongs to; every key is scoped by it (docs/http-contract.md#identity-and-isolation).
    public let userId: String
    /// The bank the set was drawn from.
    public let bankId: String
    /// The options the session was started with.
    public let options: Options
    /// The drawn set: ids of questions of `bankId`, in draw order.
    public let questionIds: [String]
    /// When the session started.
    public let startedAt: EpochMilliseconds
    /// `startedAt + timeLimitSeconds` (docs/http-contract.md#sessions); from then on the session takes no answers.
    public let expiresAt: EpochMilliseconds

    // MARK: - State

    /// Where the session is in its lifecycle.
    public internal(set) var status: SessionStatus
    /// The optimistic-locking counter: 1 when started, one more on every change (docs/http-contract.md#sessions).
    public internal(set) var version: Int
    /// When the session last changed; the maintenance sweep measures idleness from it.
    public internal(set) var updatedAt: EpochMilliseconds
    /// When the session ended (completed, abandoned, or `expiresAt` for an expired one).
    public internal(set) var endedAt: EpochMilliseconds?
    /// The question being served, with its choice order; `nil` while a picked question waits to be
    /// served.
    public internal(set) var currentQuestion: ServedQuestion?
    /// The question picked next that the handler has yet to load and `serve`.
    public internal(set) var pendingQuestion: PickedQuestion?
    /// The set questions answered correctly, in the order they were done.
    public internal(set) var doneQuestionIds: [String]
    /// Every graded answer, right or wrong.
    public internal(set) var totalAttempts: Int
    /// Servings finished, i.e. answered correctly (set questions and pool reviews).
    public internal(set) var questionsAnswered: Int
    /// Servings answered correctly at the first try.
    public internal(set) var correctFirstTry: Int
    /// Questions this session put into the pool (or reset there) by answering them correctly only
    /// after wrong tries, in that order.
    public internal(set) var sentToPool: [QuestionRef]
    /// Pool entries this session mastered, in that order.
    public internal(set) var mastered: [QuestionRef]

    // MARK: - Counts

    /// How many questions were drawn (at most `options.questionCount`).
    public var questionCount: Int { questionIds.count }

    /// How many questions of the set are done.
    public var doneCount: Int { doneQuestionIds.count }

    /// The set questions not done yet, in draw order.
    public var remainingQuestions: [QuestionRef] {
        var remaining: [QuestionRef] = []
        remaining.reserveCapacity(questionIds.count - min(doneQuestionIds.count, questionIds.count))
        forEachRemaining { remaining.append(QuestionRef(bankId: bankId, questionId: $0)) }
        return remaining
    }

    /// How many set questions are not done yet: `remainingQuestions.count`, without building it.
    public var remainingQuestionCount: Int {
        var count = 0
        forEachRemaining { _ in count += 1 }
        return count
    }

    /// Calls `body` with each set question not done yet, in draw order. Against a few done ids a
    /// linear search is cheaper than hashing every id into a set, which larger sessions use.
    private func forEachRemaining(_ body: (String) -> Void) {
        if doneQuestionIds.count <= 16 {
            for id in questionIds where !doneQuestionIds.contains(id) { body(id) }
        } else {
            let done = Set(doneQuestionIds)
            for id in questionIds where !done.contains(id) { body(id) }
        }
    }

    /// What the session achieved so far; final once it has ended.
    public var results: SessionResults {
        SessionResults(
            sessionId: id, status: status, questionCount: questionCount, doneCount: doneCount,
            questionsAnswered: questionsAnswered, correctFirstTry: correctFirstTry, totalAttempts: totalAttempts,
            sentToPool: sentToPool, mastered: mastered, startedAt: startedAt, endedAt: endedAt
        )
    }

    // MARK: - Starting and serving

    /// Starts a session: draws `options.questionCount` of `candidateQuestionIds` (the bank's, or its
    /// category's, question ids) at random and picks the first question to serve.
    ///
    /// The first pick follows the same rule as every other (docs/http-contract.md#adaptive-rules), so with a
    /// non-empty pool it may be a review of the user's oldest entry. The session is `started` at version 1,
    /// with the pick in `pendingQuestion`; the pool is only read.
    ///
    /// In `review` mode (`options.mode`) nothing is drawn at random: the set is the first
    /// `options.questionCount` distinct ids of `candidateQuestionIds`, which the caller ordered
    /// with `ReviewOrder`, and set questions are served in that order.
    ///
    /// - Throws: `noQuestions` when there is nothing to draw.
    public static func start(
        id: String, userId: String, bankId: String, candidateQuestionIds: [String], options: Options = Options(),
        pool: WrongAnswerPool, now: EpochMilliseconds, using rng: inout some RandomNumberGenerator
    ) throws(SessionError) -> QuizSession {
        let drawn: [String]
        switch options.mode {
        case .quiz:
            drawn = QuestionPicker.drawQuestionSet(from: candidateQuestionIds, count: options.questionCount, using: &rng)
        case .review:
            drawn = QuestionPicker.takeQuestionSet(from: candidateQuestionIds, count: options.questionCount)
        }
        guard !drawn.isEmpty else { throw .noQuestions }
        var session = QuizSession(
            id: id, userId: userId, bankId: bankId, options: options, questionIds: drawn, startedAt: now
        )
        let first = QuestionPicker.pickNext(
            remaining: session.remainingQuestions, sessionId: id, pool: pool, justAnswered: nil,
            inOrder: options.mode == .review, using: &rng
        )
        // A non-empty set always yields a question, never `sessionComplete`.
        if case .serve(let picked) = first {
            session.pendingQuestion = picked
        }
        return session
    }

    private init(
        id: String, userId: String, bankId: String, options: Options, questionIds: [String],
        startedAt: EpochMilliseconds
    ) {
        self.id = id
        self.userId = userId
        self.bankId = bankId
        self.options = options
        self.questionIds = questionIds
        self.startedAt = startedAt
        expiresAt = SessionLifecycle.adding(seconds: options.timeLimitSeconds, to: startedAt)
        status = .started
        version = 1
        updatedAt = startedAt
        endedAt = nil
        currentQuestion = nil
        pendingQuestion = nil
        doneQuestionIds = []
        totalAttempts = 0
        questionsAnswered = 0
        correctFirstTry = 0
        sentToPool = []
        mastered = []
    }

    /// Serves the pending question, which the handler loaded from its bank: fixes its choice order
    /// (shuffled when `options.shuffleChoices` is set) and makes it `currentQuestion`.
    ///
    /// - Throws: `expired` (and marks the session so: save it) after `expiresAt`; `notActive` after
    ///   the session ended; `questionMismatch` when `question` is not the pending one.
    @discardableResult
    public mutating func serve(
        _ question: Question, now: EpochMilliseconds, using rng: inout some RandomNumberGenerator
    ) throws(SessionError) -> ServedQuestion {
        try ensureActive(now: now)
        guard let pending = pendingQuestion, pending.questionId == question.id else {
            throw .questionMismatch(expected: pendingQuestion?.questionId, given: question.id)
        }
        let served = ServedQuestion(
            picked: pending, answerIds: question.answerIds, shuffle: options.shuffleChoices, using: &rng
        )
        currentQuestion = served
        pendingQuestion = nil
        touch(now: now)
        return served
    }

    // MARK: - Helpers

    /// Records a change: one version step, and the time of the change.
    mutating func touch(now: EpochMilliseconds) {
        lifecycle.touch(now: now)
    }
}
