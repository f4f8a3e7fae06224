import QuizEngine
import Testing

// MARK: - Scripted randomness

/// A generator that replays given 64-bit values in a loop and counts how many were drawn, so a test
/// can steer each branch of the picker and each shuffle exactly.
///
/// How the engine reads a value: a chance draw succeeds when `value >> 11` as a fraction of 2⁵³ is
/// below the probability; an index below `n` is the high word of `value × n`.
struct ScriptedRandom: RandomNumberGenerator {
    /// Takes the 20 % branch (≈ 0.0 < 0.2) and picks index 0 of any range.
    static let low: UInt64 = 1 << 11
    /// Takes the 80 % branch (≈ 1.0 ≥ 0.2), picks the last index of any range, and so leaves every
    /// Fisher–Yates step where it is: shuffles keep bank order.
    static let high: UInt64 = .max

    /// The value whose index draw below `count` gives `index` (the middle of its slice of 2⁶⁴).
    static func index(_ index: Int, of count: Int) -> UInt64 {
        let slice = UInt64.max / UInt64(count)
        return slice * UInt64(index) + slice / 2
    }

    private let values: [UInt64]
    private var position = 0
    /// How many values have been drawn.
    private(set) var draws = 0

    init(_ values: UInt64...) {
        precondition(!values.isEmpty)
        self.values = values
    }

    mutating func next() -> UInt64 {
        defer {
            position = (position + 1) % values.count
            draws += 1
        }
        return values[position]
    }
}

// MARK: - Fixtures

enum Fixture {
    static let bankId = "bank-1"
    static let otherBankId = "bank-2"
    static let startTime: EpochMilliseconds = 1_700_000_000_000

    /// A four-choice question whose only correct answer is `b`.
    static func question(_ id: String, category: String = "algebra") -> Question {
        Question(
            id: id, category: category, text: "Question \(id)?",
            answers: ["a", "b", "c", "d"].map { AnswerChoice(id: $0, text: "Answer \($0)") },
            correctAnswers: ["b"]
        )
    }

    /// `q-1` … `q-count`.
    static func questionIds(_ count: Int) -> [String] {
        (1...count).map { "q-\($0)" }
    }

    static func ref(_ questionId: String, bank: String = bankId) -> QuestionRef {
        QuestionRef(bankId: bank, questionId: questionId)
    }

    static func entry(
        _ questionId: String, bank: String = bankId, at enteredAt: EpochMilliseconds, tries: Int = 2,
        session: String = "s-old"
    ) -> PoolEntry {
        PoolEntry(bankId: bank, questionId: questionId, enteredAt: enteredAt, remainingTries: tries, sessionId: session)
    }
}

// MARK: - Driving a session

/// Plays the handlers' part around one session: starts it, loads and serves every picked question,
/// and answers the current question right or wrong, one second apart.
struct QuizHarness<RNG: RandomNumberGenerator> {
    var session: QuizSession
    var pool: WrongAnswerPool
    var rng: RNG
    var now: EpochMilliseconds
    /// Every question a pick may name: the session's bank plus `extraQuestions`.
    let questions: [QuestionRef: Question]

    init(
        bankSize: Int, questionCount: Int, pool: WrongAnswerPool = WrongAnswerPool(), rng: RNG,
        extraQuestions: [QuestionRef] = [], sessionId: String = "s-1", timeLimitSeconds: Int = 1800
    ) throws {
        var questions: [QuestionRef: Question] = [:]
        for id in Fixture.questionIds(bankSize) {
            questions[Fixture.ref(id)] = Fixture.question(id)
        }
        for ref in extraQuestions {
            questions[ref] = Fixture.question(ref.questionId, category: "history")
        }
        self.questions = questions
        self.pool = pool
        self.rng = rng
        now = Fixture.startTime
        let options = QuizSession.Options(
            questionCount: questionCount, timeLimitSeconds: timeLimitSeconds, shuffleChoices: false
        )
        session = try QuizSession.start(
            id: sessionId, userId: "user-1", bankId: Fixture.bankId,
            candidateQuestionIds: Fixture.questionIds(bankSize), options: options, pool: pool, now: now,
            using: &self.rng
        )
        try serveIfPending()
    }

    /// The question being served.
    func current() throws -> ServedQuestion {
        try #require(session.currentQuestion)
    }

    /// Serves the pending question, as the handler does after loading it from its bank.
    mutating func serveIfPending() throws {
        guard let pending = session.pendingQuestion else { return }
        let question = try #require(questions[pending.ref])
        try session.serve(question, now: now, using: &rng)
    }

    /// Answers the current question one second after the last event, right (`["b"]`) or wrong
    /// (`["a"]`), then, unless told otherwise, serves whatever was picked next.
    @discardableResult
    mutating func answer(correctly: Bool, servingNext: Bool = true) throws -> AnswerOutcome {
        let served = try current()
        let question = try #require(questions[served.ref])
        now += 1000
        let outcome = try session.answer(
            questionId: served.questionId, selectedAnswers: correctly ? ["b"] : ["a"], question: question,
            pool: &pool, now: now, using: &rng
        )
        if servingNext { try serveIfPending() }
        return outcome
    }
}
