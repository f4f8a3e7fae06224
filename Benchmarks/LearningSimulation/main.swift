// quiz-learning-bench (`make bench-learning`): simulated learners study one bank for 90 days with
// the same daily budget of reviews under three schedules — quiz mode as before memory (random
// draws and the wrong-answer pool), review mode (FSRS-6: due first, least likely recalled first,
// then new, same pool rules) and random — and the expected share of the bank each recalls is
// printed for days 30, 60 and 90, with the reviews spent per question retained.
//
//   swift run -c release quiz-learning-bench [--learners 20] [--questions 1000] [--budget 60] [--days 90] [--seed 1]
//
// Pure engine, no store: the real QuizSession, WrongAnswerPool, ReviewOrder and MemoryScheduler.
// Seeded: the same arguments print the same figures.
import Foundation
import QuizEngine

var settings = Simulation.Settings()
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = arguments.next().flatMap { Int($0) }
    switch (argument, value) {
    case ("--learners", let value?) where value > 0: settings.learners = value
    case ("--questions", let value?) where value > 0: settings.questions = value
    case ("--budget", let value?) where value > 0: settings.budget = value
    case ("--days", let value?) where value > 0: settings.days = value
    case ("--seed", let value?) where value >= 0: settings.seed = UInt64(value)
    default:
        print("usage: quiz-learning-bench [--learners N] [--questions N] [--budget N] [--days N] [--seed N]")
        exit(argument == "--help" ? 0 : 2)
    }
}
settings.checkpoints = [30, 60, 90].filter { $0 <= settings.days }
if settings.checkpoints.last != settings.days { settings.checkpoints.append(settings.days) }

let simulation = Simulation(settings: settings)
print(
    "learning simulation: \(settings.learners) learners, \(settings.questions) questions, "
        + "\(settings.budget) reviews a day for \(settings.days) days, seed \(settings.seed)"
)
print(
    "learners' true memory: FSRS-6 with each default weight times e^(\(LearnerWeights.spread)·z), z ~ N(0, 1) per learner "
        + "and weight, clamped to the reference bounds; review mode schedules with the default weights at 0.9 retention"
)
print(
    "caveat: these learners forget exactly as FSRS-6 models forgetting, the model review mode schedules with, so the "
        + "simulation is tilted towards review mode; its figures show the scheduling at work, not what real learners gain"
)
print(
    "a question never met is never recalled (no guessing); a review is one serving of a question, its retries are free "
        + "and teach nothing; an unfinished session is not resumed the next day"
)
print("")

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}
let labelWidth = Schedule.allCases.map(\.label.count).max()! + 2
let header = settings.checkpoints.map { padded("day \($0)", 8) }.joined()
print(
    "schedule (mean over learners)".padding(toLength: labelWidth, withPad: " ", startingAt: 0) + header
        + "  reviews  of them pool  questions met  reviews per question retained"
)
for schedule in Schedule.allCases {
    let figures = (0..<settings.learners).map { simulation.run(schedule, learner: $0) }
    let count = Double(figures.count)
    let recall = settings.checkpoints.indices.map { index in figures.reduce(0) { $0 + $1.recall[index] } / count }
    let reviews = Double(figures.reduce(0) { $0 + $1.reviews }) / count
    let perItem = figures.reduce(0) { $0 + $1.reviewsPerItemRetained } / count
    let met = Double(figures.reduce(0) { $0 + $1.questionsMet }) / count
    let pool = Double(figures.reduce(0) { $0 + $1.poolReviews }) / count
    let columns = recall.map { padded(String(format: "%.1f%%", $0 * 100), 8) }.joined()
    print(
        schedule.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0) + columns + padded(String(format: "%.0f", reviews), 9)
            + padded(String(format: "%.0f", pool), 14) + padded(String(format: "%.0f", met), 15) + padded(String(format: "%.2f", perItem), 31)
    )
}
