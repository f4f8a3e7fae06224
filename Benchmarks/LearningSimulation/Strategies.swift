import QuizEngine

/// The bank every strategy draws from: `q-0` … `q-(count - 1)`, four choices, `b` correct.
struct SimulatedBank {
    let ids: [String]
    let questions: [String: Question]

    init(count: Int) {
        ids = (0..<count).map { "q-\($0)" }
        var questions: [String: Question] = [:]
        for id in ids {
            questions[id] = Question(
                id: id, text: id, answers: ["a", "b", "c", "d"].map { AnswerChoice(id: $0, text: $0) }, correctAnswers: ["b"]
            )
        }
        self.questions = questions
    }

    static func index(of id: String) -> Int { Int(id.dropFirst(2))! }
}

/// Seconds between two answers in a simulated session.
let secondsPerAnswer: EpochMilliseconds = 20_000

// MARK: - Quiz and review sessions

/// Sessions of 10 questions run by the real `QuizSession` and wrong-answer pool: `quiz` mode
/// draws them at random (the product before memory), `review` mode orders them with
/// `ReviewOrder` from the memory states the default-weight scheduler keeps.
struct SessionStrategy {
    let bank: SimulatedBank
    let mode: QuizSession.Mode
    let scheduler: MemoryScheduler
    /// The scheduler's view of the learner's memory (review mode reads it; both keep it).
    var states: [String: MemoryState] = [:]
    var pool = WrongAnswerPool()
    var rng: SeededRandomGenerator
    var sessions = 0
    /// Reviews that were servings of wrong-answer pool entries.
    var poolReviews = 0

    init(bank: SimulatedBank, mode: QuizSession.Mode, retention: DesiredRetention, seed: UInt64) {
        self.bank = bank
        self.mode = mode
        scheduler = MemoryScheduler(desiredRetention: retention)
        rng = SeededRandomGenerator(seed: seed)
    }

    /// Spends up to `budget` reviews (servings of a question; the retries of a serving are not
    /// reviews and cost nothing) from `start` on.
    mutating func study(_ learner: inout Learner, budget: Int, start: EpochMilliseconds) {
        var now = start
        var spent = 0
        while spent < budget {
            let candidates =
                mode == .quiz
                ? bank.ids
                : ReviewOrder.questionIds(candidateIds: bank.ids, states: states, now: now, limit: 10)
            sessions += 1
            guard
                var session = try? QuizSession.start(
                    id: "s-\(sessions)", userId: "learner", bankId: "bank", candidateQuestionIds: candidates,
                    options: QuizSession.Options(questionCount: 10, mode: mode), pool: pool, now: now, using: &rng
                )
            else { return }  // review mode with nothing due and nothing new: done for the day
            // A session left unfinished when the budget runs out is simply not resumed.
            while spent < budget, let pending = session.pendingQuestion {
                let question = bank.questions[pending.questionId]!
                guard (try? session.serve(question, now: now, using: &rng)) != nil else { return }
                now += secondsPerAnswer
                let rating = learner.review(SimulatedBank.index(of: question.id), at: now)
                spent += 1
                if pending.origin == .wrongAnswerPool { poolReviews += 1 }
                states[question.id] = scheduler.review(states[question.id] ?? .new, rating: rating, at: now, using: &rng)
                guard
                    let outcome = try? session.answer(
                        questionId: question.id, selectedAnswers: rating.isRecall ? ["b"] : ["a"], question: question,
                        pool: &pool, now: now, using: &rng
                    )
                else { return }
                if outcome.nextAction == .retrySameQuestion {
                    // Shown it was wrong, the learner answers the retry right; not a review.
                    now += secondsPerAnswer
                    _ = try? session.answer(
                        questionId: question.id, selectedAnswers: ["b"], question: question, pool: &pool, now: now,
                        using: &rng
                    )
                }
            }
        }
    }
}

// MARK: - Random

/// Every review a question drawn uniformly at random, without replacement within a day; no pool.
struct RandomStrategy {
    let bank: SimulatedBank
    var rng: SeededRandomGenerator

    init(bank: SimulatedBank, seed: UInt64) {
        self.bank = bank
        rng = SeededRandomGenerator(seed: seed)
    }

    /// Spends `budget` reviews from `start` on.
    mutating func study(_ learner: inout Learner, budget: Int, start: EpochMilliseconds) {
        var now = start
        var order = Array(bank.ids.indices)
        for position in 0..<min(budget, order.count) {
            // A partial Fisher–Yates: the day's draws are the first `budget` places.
            let other = position + Int(rng.next() % UInt64(order.count - position))
            order.swapAt(position, other)
            now += secondsPerAnswer
            _ = learner.review(order[position], at: now)
        }
    }
}
