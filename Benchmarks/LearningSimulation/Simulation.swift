import QuizEngine

/// How a simulated learner's reviews are chosen.
enum Schedule: String, CaseIterable {
    /// Quiz sessions as the product ran them before memory: random draws and the wrong-answer pool.
    case quiz
    /// Review sessions: due questions first, least likely recalled first, then new ones (FSRS-6
    /// with the default weights and 0.9 retention), with the same pool rules.
    case review
    /// The same at the lowest desired retention a learner may set, 0.70: fewer reviews per
    /// question, more questions.
    case reviewAtSeventyPercent
    /// Questions drawn uniformly at random, no pool.
    case random

    /// What the output calls it.
    var label: String {
        switch self {
        case .quiz: "quiz mode (random draws + pool)"
        case .review: "review mode (FSRS-6 order + pool)"
        case .reviewAtSeventyPercent: "review mode, 0.70 desired retention"
        case .random: "random"
        }
    }
}

/// One run: every learner studies under every schedule, each from a blank memory, with the same
/// true weights, the same budget and the same days.
struct Simulation {
    struct Settings {
        var learners = 20
        var questions = 1000
        var budget = 60
        var days = 90
        var seed: UInt64 = 1
        /// The days on which the expected recall is reported.
        var checkpoints = [30, 60, 90]
    }

    /// A schedule's figures for one learner.
    struct Figures {
        /// The expected share of the bank recalled on each checkpoint day.
        var recall: [Double]
        /// Reviews over the whole run.
        var reviews: Int
        /// Reviews spent per question expected to be recalled at the end.
        var reviewsPerItemRetained: Double
        /// Questions met by the end.
        var questionsMet: Int
        /// Reviews that served wrong-answer pool entries.
        var poolReviews: Int
    }

    /// 08:00 UTC on 1 January 2024, the first study day.
    static let firstMorning: EpochMilliseconds = 1_704_096_000_000

    let settings: Settings
    let bank: SimulatedBank

    init(settings: Settings) {
        self.settings = settings
        bank = SimulatedBank(count: settings.questions)
    }

    /// The figures of `schedule` for learner number `index`.
    func run(_ schedule: Schedule, learner index: Int) -> Figures {
        let learnerSeed = settings.seed &* 1_000_003 &+ UInt64(index)
        var learner = Learner(
            weights: LearnerWeights.perturbed(seed: learnerSeed), questions: settings.questions, seed: learnerSeed ^ 0x5eed
        )
        var sessions = SessionStrategy(
            bank: bank, mode: schedule == .quiz ? .quiz : .review,
            retention: schedule == .reviewAtSeventyPercent ? try! DesiredRetention(0.7) : .default, seed: learnerSeed
        )
        var random = RandomStrategy(bank: bank, seed: learnerSeed)
        var recall: [Double] = []
        for day in 1...settings.days {
            let morning = Self.firstMorning + EpochMilliseconds(day - 1) * Days.milliseconds
            switch schedule {
            case .quiz, .review, .reviewAtSeventyPercent: sessions.study(&learner, budget: settings.budget, start: morning)
            case .random: random.study(&learner, budget: settings.budget, start: morning)
            }
            if settings.checkpoints.contains(day) {
                // The next morning, before that day's reviews: what `day` days of study left.
                recall.append(learner.expectedRecall(at: morning + Days.milliseconds))
            }
        }
        let retained = (recall.last ?? 0) * Double(settings.questions)
        return Figures(
            recall: recall, reviews: learner.reviews,
            reviewsPerItemRetained: retained > 0 ? Double(learner.reviews) / retained : .infinity,
            questionsMet: learner.questionsMet, poolReviews: sessions.poolReviews
        )
    }
}
