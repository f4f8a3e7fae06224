// quiz-serve-bench: the whole HTTP API under load, through real HTTP on 127.0.0.1, as
// `local-runner serve --workers 4` runs it: each function as 4 worker processes of its release
// bootstrap behind the runner's Lambda Runtime API, on one SQLite file; next to the answer
// function in process (`quiz-answer-bench`), measured in the same run.
//
//   quiz-serve-bench [--learners 100] [--few-learners 10] [--workers 4] [--sessions 3] [--questions-per-session 10]
//                    [--bank-size 200] [--baseline-answers 20000] [--rounds 3]
//   make bench-serve
//
// An author imports a bank once. Then, round by round (3 by default), the answer function in
// process (`quiz-answer-bench --answers N`, its answers/s in the handler) and right after it a
// pass of --learners simulated learners through serve, each on a thread of its own with its own
// token and keep-alive connection: it starts a session, reads the question, answers until the
// session is complete (1 first try in 4 wrong) and reads its progress, all at once, without think
// time. Then one pass of --few-learners. Reported per pass: requests, requests/s, answers/s,
// p50/p99 per route class, CPU per request of the runner, of each function's workers and of the
// learners (from /proc), the load average; then each round's ratio of serve's answers/s to the
// in-process answers/s, and their median (target >= 40%), and errors, which must be 0. The
// benchmark starts the runner itself and stops it, and every worker, on every path.
import ProcessTools
import CurlHTTP
import Dispatch
import Foundation

ChildProcesses.installSignalHandlers()

let usage = """
    usage: quiz-serve-bench [--learners N] [--few-learners N] [--workers N] [--sessions N] [--questions-per-session N] \
    [--bank-size N] [--baseline-answers N] [--rounds N]
    """
var options = ServeBenchmarkOptions()
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    func count(_ range: ClosedRange<Int>) -> Int {
        guard let text = arguments.next(), let value = Int(text), range.contains(value) else {
            printError("quiz-serve-bench: \(argument) needs a whole number in \(range.lowerBound)...\(range.upperBound)\n\(usage)")
            exit(2)
        }
        return value
    }
    switch argument {
    case "--learners": options.learners = count(1...1_000)
    case "--few-learners": options.fewLearners = count(0...1_000)
    case "--baseline-answers": options.baselineAnswers = count(0...1_000_000)
    case "--rounds": options.rounds = count(1...20)
    case "--workers": options.workers = count(1...32)
    case "--sessions": options.sessions = count(1...100)
    case "--questions-per-session": options.questionsPerSession = count(1...100)
    case "--bank-size": options.bankSize = count(1...5_000)
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        printError("quiz-serve-bench: unknown argument \(argument)\n\(usage)")
        exit(2)
    }
}
guard options.bankSize >= options.questionsPerSession else {
    printError("quiz-serve-bench: --bank-size must be at least --questions-per-session")
    exit(2)
}

do {
    let passed = try ServeBenchmark(options: options).run()
    exit(passed ? 0 : 1)
} catch {
    printError("quiz-serve-bench: \(error)")
    exit(2)
}
